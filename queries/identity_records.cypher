// identity_records: every Identity with all its properties and the customer it resolves to.
// Parameters: none.
// Returns: props (map: the Identity's properties), customer_id (string or null); in no particular
// order (sorting a million property maps would cost the server gigabytes of heap).
MATCH (i:Identity)
OPTIONAL MATCH (i)-[:RESOLVES_TO]->(c:Customer)
RETURN properties(i) AS props, c.customer_id AS customer_id
