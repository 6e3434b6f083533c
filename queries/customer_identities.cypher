// customer_identities: which customer each identity belongs to, for scoring against a ground truth.
// Parameters: none.
// Returns: source, source_id, customer_id (null for an identity not resolved yet); ordered by source, source_id.
MATCH (i:Identity)
OPTIONAL MATCH (i)-[:RESOLVES_TO]->(c:Customer)
RETURN i.source AS source, i.source_id AS source_id, c.customer_id AS customer_id
ORDER BY source, source_id
