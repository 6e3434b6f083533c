// journey_sequences: every customer's touchpoints in journey order, with what the analytics read of
// each: what the dashboard's funnels, journey beginnings, attribution, root causes and retention
// are counted from (kept in its summary at resolve time, so that they answer without reading the graph).
// Parameters:
// @param customers: list = null — only these customers (default: all): what settling live events
//   takes again for the customers whose journeys it rebuilt
// @param since: list = null — with customers: for each of them, how many of its first touchpoints to
//   leave out (default 0): what settling takes of a journey that only grew at its end
// Returns: customer_id, types (list of touchpoint types, by at, then interaction_id), micros (their
// `at` as microseconds since 1970-01-01 UTC, in the same order: integers travel a hundred times
// faster than a million date-times), and in the same order: channels, campaigns, reps (the
// channel_id, campaign and rep_id, or null), skus (each touchpoint's products, sorted), sentiments,
// scores, score_kinds, amounts (or null), answer_ids (the interaction_id of a touchpoint with a score,
// else null); one row per customer with at least one touchpoint (after those left out), by customer_id.
CALL () {
  // Given customers are found by their key: `$customers IS NULL OR ...` scanned every customer
  // (a seventh of the time of each hundred that live-event settling reads).
  WITH $customers AS wanted WHERE wanted IS NOT NULL
  UNWIND range(0, size(wanted) - 1) AS k
  MATCH (c:Customer {customer_id: wanted[k]}) RETURN c, coalesce($since[k], 0) AS skip
  UNION
  WITH $customers AS wanted WHERE wanted IS NULL
  MATCH (c:Customer) RETURN c, 0 AS skip
}
// A journey kept but for its last few touchpoints (since, and at most 50 after) is read back along
// NEXT from its one end, not sorted whole: keeping the customers of a live-events pass read all
// their touchpoints to keep a few (1.1 s for the 600 busiest after 5 minutes of bench/events.py's
// load; 0.6 s walking). Where that finds other than the touchpoints after the skipped ones (no
// single end, a chain that does not hold), the journey is sorted whole, as every other one is.
WITH c, skip, COUNT { (c)-[:HAD]->() } AS had
WITH c, skip, had, CASE WHEN skip > 0 AND 0 < had - skip <= 50
  THEN [(c)-[:HAD]->(t:Interaction) WHERE NOT EXISTS { (t)-[:NEXT]->() } | t] ELSE [] END AS ends
WITH c, skip, had, CASE WHEN size(ends) = 1 THEN COLLECT {
  UNWIND ends AS e MATCH p = (x:Interaction)-[:NEXT*0..50]->(e)
  WHERE length(p) < had - skip AND EXISTS { (c)-[:HAD]->(x) }
  WITH x ORDER BY x.at, x.interaction_id RETURN x } ELSE [] END AS walked
WITH c, CASE WHEN skip > 0 AND size(walked) = had - skip THEN walked ELSE COLLECT {
  MATCH (c)-[:HAD]->(x:Interaction) WITH x ORDER BY x.at, x.interaction_id RETURN x }[skip..] END AS xs
WHERE size(xs) > 0
UNWIND xs AS x
WITH c, collect({
  type: x.type, micros: x.at.epochSeconds * 1000000 + x.at.microsecond, campaign: x.campaign,
  sentiment: x.sentiment, score: x.score, score_kind: x.score_kind, amount: x.amount,
  answer_id: CASE WHEN x.score IS NULL THEN null ELSE x.interaction_id END,
  channel: COLLECT { MATCH (x)-[:VIA]->(ch:Channel) RETURN ch.channel_id }[0],
  rep: COLLECT { MATCH (x)-[:HANDLED_BY]->(r:Rep) RETURN r.rep_id }[0],
  skus: COLLECT { MATCH (x)-[:ABOUT]->(p:Product) RETURN p.sku ORDER BY p.sku }
}) AS steps
RETURN c.customer_id AS customer_id, [s IN steps | s.type] AS types, [s IN steps | s.micros] AS micros,
       [s IN steps | s.channel] AS channels, [s IN steps | s.campaign] AS campaigns, [s IN steps | s.rep] AS reps,
       [s IN steps | s.skus] AS skus, [s IN steps | s.sentiment] AS sentiments, [s IN steps | s.score] AS scores,
       [s IN steps | s.score_kind] AS score_kinds, [s IN steps | s.amount] AS amounts,
       [s IN steps | s.answer_id] AS answer_ids
ORDER BY customer_id
