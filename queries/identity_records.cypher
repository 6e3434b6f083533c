// identity_records: every Identity with all its properties and the customer it resolves to.
// Parameters: none.
// Returns: props (map: the Identity's properties), customer_id (string or null); ordered by identity id.
MATCH (i:Identity)
OPTIONAL MATCH (i)-[:RESOLVES_TO]->(c:Customer)
RETURN properties(i) AS props, c.customer_id AS customer_id
ORDER BY i.identity_id
