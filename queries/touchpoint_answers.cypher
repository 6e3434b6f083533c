// touchpoint_answers: the survey answers that count for one touchpoint in touchpoint_scores (the
// answer's previous touchpoint in the journey has this channel and type), each with that touchpoint
// and who answered: the answers behind a cell of the NPS heat map.
// Parameters:
// @param channel_id: string = null — the channel of the touchpoint before the answer (default: any)
// @param type: string = null — the type of the touchpoint before the answer (default: any)
// @param month: string = null — only answers in this month ('YYYY-MM', UTC; default: all)
// @param limit: integer = 50 — at most this many answers
// Returns: answer_id, answered_at, score, score_kind, text, customer_id, channel_id (null without
// one), type, touchpoint_id, touchpoint_at, rep_id (of the touchpoint, null without one); the
// newest first, then answer_id.
MATCH (t:Interaction)-[:NEXT]->(s:Interaction {type: 'survey_response'})
WHERE s.score IS NOT NULL AND ($type IS NULL OR t.type = $type)
  AND ($month IS NULL OR substring(toString(s.at), 0, 7) = $month)
OPTIONAL MATCH (t)-[:VIA]->(ch:Channel)
WITH s, t, ch WHERE $channel_id IS NULL OR ch.channel_id = $channel_id
OPTIONAL MATCH (c:Customer)-[:HAD]->(s)
OPTIONAL MATCH (t)-[:HANDLED_BY]->(r:Rep)
WITH s, t, ch, c, r ORDER BY s.at DESC, s.interaction_id LIMIT $limit
RETURN s.interaction_id AS answer_id, s.at AS answered_at, s.score AS score, s.score_kind AS score_kind,
       s.text AS text, c.customer_id AS customer_id, ch.channel_id AS channel_id, t.type AS type,
       t.interaction_id AS touchpoint_id, t.at AS touchpoint_at, r.rep_id AS rep_id
