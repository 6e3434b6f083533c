// identity_pair: two identities side by side: the customer each resolves to and any direct
// link or decision between them (SAME_AS, POSSIBLY_SAME_AS, NOT_SAME_AS).
// Parameters:
// @param a: string — an identity id (source:source_id)
// @param b: string — another identity id
// Returns: one row: customer_a, customer_b (null when unresolved), links (list of {type, props}
// sorted by type); no row when either identity does not exist.
MATCH (x:Identity {identity_id: $a}), (y:Identity {identity_id: $b})
OPTIONAL MATCH (x)-[:RESOLVES_TO]->(cx:Customer)
OPTIONAL MATCH (y)-[:RESOLVES_TO]->(cy:Customer)
OPTIONAL MATCH (x)-[r:SAME_AS|POSSIBLY_SAME_AS|NOT_SAME_AS]-(y)
WITH cx, cy, r ORDER BY type(r)
RETURN cx.customer_id AS customer_a, cy.customer_id AS customer_b,
       [l IN collect(r) | {type: type(l), props: properties(l)}] AS links
