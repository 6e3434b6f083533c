// identity_links: every link between two identities: SAME_AS (rule, score, evidence),
// POSSIBLY_SAME_AS (the review queue), and the human decisions NOT_SAME_AS and
// CONFIRMED_SAME_AS (by, at, reason).
// Parameters: none.
// Returns: type, a, b (identity ids, a < b), props (map); in no particular order.
MATCH (a:Identity)-[r:SAME_AS|POSSIBLY_SAME_AS|NOT_SAME_AS|CONFIRMED_SAME_AS]->(b:Identity)
RETURN type(r) AS type, a.identity_id AS a, b.identity_id AS b, properties(r) AS props
