// review_queue: the pairs waiting for a human: records the model scored between its two
// thresholds (POSSIBLY_SAME_AS), with the evidence and both records side by side, strongest
// first. Confirming or rejecting a pair (a decision) takes it out of the queue.
// Parameters:
// @param limit: integer = 50 — at most this many pairs
// Returns: a, b (identity ids, a < b), score, evidence (list of 'field: outcome (weight)'),
// records (list of two maps, a then b: identity_id, source, name, email, phone, birth_date,
// street, city, postal_code, customer_id (null when unresolved)); by score descending, then a, b.
MATCH (x:Identity)-[p:POSSIBLY_SAME_AS]-(y:Identity)
WHERE x.identity_id < y.identity_id
OPTIONAL MATCH (x)-[:RESOLVES_TO]->(cx:Customer)
OPTIONAL MATCH (y)-[:RESOLVES_TO]->(cy:Customer)
WITH x, y, p, cx, cy ORDER BY p.score DESC, x.identity_id, y.identity_id LIMIT $limit
RETURN x.identity_id AS a, y.identity_id AS b, p.score AS score, p.evidence AS evidence,
       [x {.identity_id, .source, .name, .email, .phone, .birth_date, .street, .city, .postal_code,
           customer_id: cx.customer_id},
        y {.identity_id, .source, .name, .email, .phone, .birth_date, .street, .city, .postal_code,
           customer_id: cy.customer_id}] AS records
