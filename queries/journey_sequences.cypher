// journey_sequences: every customer's touchpoint types in journey order: what the dashboard's
// funnels and journey beginnings are counted from (kept in its summary at resolve time, so a
// funnel with any steps answers without reading the graph).
// Parameters: none.
// Returns: customer_id, types (list of touchpoint types, by at, then interaction_id), micros (their
// `at` as microseconds since 1970-01-01 UTC, in the same order: integers travel a hundred times
// faster than a million date-times); one row per customer with at least one touchpoint, by customer_id.
MATCH (c:Customer)-[:HAD]->(x:Interaction)
WITH c, x ORDER BY x.at, x.interaction_id
WITH c, collect(x.type) AS types, collect(x.at.epochSeconds * 1000000 + x.at.microsecond) AS micros
RETURN c.customer_id AS customer_id, types, micros
ORDER BY customer_id
