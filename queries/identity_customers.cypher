// identity_customers: the customer each of these records resolves to. What settling live events
// needs of the records that did something: whose journeys to rebuild (identity_neighbourhood
// answers more, and costs more, for hundreds of records a pass).
// Parameters:
// @param ids: list — identity ids (source:source_id)
// Returns: one row per id that exists and is resolved: identity_id, customer_id; by identity_id.
UNWIND $ids AS id
WITH DISTINCT id
MATCH (:Identity {identity_id: id})-[:RESOLVES_TO]->(c:Customer)
RETURN id AS identity_id, c.customer_id AS customer_id
ORDER BY identity_id
