// customer_links: the links between one customer's identities, with their evidence: what put
// each record in this customer.
// Parameters:
// @param customer_id: string — the golden customer's id
// Returns: a, b (identity ids, a < b), rule, score, evidence (list of 'field: outcome (weight)');
// by a, then b.
MATCH (:Customer {customer_id: $customer_id})<-[:RESOLVES_TO]-(x:Identity)-[l:SAME_AS]->(y:Identity)
RETURN x.identity_id AS a, y.identity_id AS b, l.rule AS rule, l.score AS score, l.evidence AS evidence
ORDER BY a, b
