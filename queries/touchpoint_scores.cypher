// touchpoint_scores: NPS and CSAT per touchpoint and month. Each survey answer counts for the
// touchpoint just before it in the customer's journey (its channel and type), in the month of
// the answer (UTC).
// Parameters:
// @param since: datetime = null — only answers at or after this moment
// @param until: datetime = null — only answers before this moment
// Returns: month ('YYYY-MM'), channel_id, type, nps_responses, promoters (9-10), passives (7-8),
// detractors (0-6), nps (% promoters minus % detractors, 1 decimal; null without NPS answers),
// csat_responses, csat (mean of 1-5, 2 decimals; null without CSAT answers); by month,
// channel_id, type.
MATCH (s:Interaction)
WHERE s.type = 'survey_response' AND s.score IS NOT NULL
  AND ($since IS NULL OR s.at >= $since) AND ($until IS NULL OR s.at < $until)
MATCH (t:Interaction)-[:NEXT]->(s)
OPTIONAL MATCH (t)-[:VIA]->(ch:Channel)
WITH substring(toString(s.at), 0, 7) AS month, ch.channel_id AS channel_id, t.type AS type, s
WITH month, channel_id, type,
     count(CASE WHEN s.score_kind = 'nps' THEN 1 END) AS nps_responses,
     count(CASE WHEN s.score_kind = 'nps' AND s.score >= 9 THEN 1 END) AS promoters,
     count(CASE WHEN s.score_kind = 'nps' AND s.score <= 6 THEN 1 END) AS detractors,
     count(CASE WHEN s.score_kind = 'csat' THEN 1 END) AS csat_responses,
     sum(CASE WHEN s.score_kind = 'csat' THEN s.score ELSE 0 END) AS csat_total
RETURN month, channel_id, type, nps_responses, promoters, nps_responses - promoters - detractors AS passives,
       detractors,
       CASE WHEN nps_responses = 0 THEN null
            ELSE round(100.0 * (promoters - detractors) / nps_responses, 1) END AS nps,
       csat_responses,
       CASE WHEN csat_responses = 0 THEN null ELSE round(toFloat(csat_total) / csat_responses, 2) END AS csat
ORDER BY month, channel_id, type
