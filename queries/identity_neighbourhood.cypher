// identity_neighbourhood: records with what ties them to others: their customer's other records
// and every identity link or human decision they take part in. A decision re-clusters only the
// records it can move, found by walking out from its two records with this query.
// Parameters:
// @param ids: list — identity ids (source:source_id)
// Returns: one row per id that exists: identity_id, props (map: the Identity's properties),
// customer_id (null when unresolved), members (the customer's other identity ids, sorted), links
// (list of {type, a, b, props}: every SAME_AS, POSSIBLY_SAME_AS, NOT_SAME_AS and CONFIRMED_SAME_AS
// the record takes part in, a < b, sorted by type, a, b); by identity_id.
UNWIND $ids AS id
WITH DISTINCT id
MATCH (i:Identity {identity_id: id})
OPTIONAL MATCH (i)-[:RESOLVES_TO]->(c:Customer)
CALL (i, c) {
  OPTIONAL MATCH (c)<-[:RESOLVES_TO]-(m:Identity)
  WHERE m <> i
  WITH m ORDER BY m.identity_id
  RETURN collect(m.identity_id) AS members
}
CALL (i) {
  OPTIONAL MATCH (i)-[r:SAME_AS|POSSIBLY_SAME_AS|NOT_SAME_AS|CONFIRMED_SAME_AS]-(:Identity)
  WITH r WHERE r IS NOT NULL
  WITH type(r) AS type, startNode(r).identity_id AS a, endNode(r).identity_id AS b, properties(r) AS props
  ORDER BY type, a, b
  RETURN collect({type: type, a: a, b: b, props: props}) AS links
}
RETURN id AS identity_id, properties(i) AS props, c.customer_id AS customer_id, members, links
ORDER BY identity_id
