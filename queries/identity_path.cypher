// identity_path: why two identities are one customer: the shortest chain of SAME_AS links
// between them through records of that customer, with each link's rule, score and evidence.
// Parameters:
// @param a: string — an identity id (source:source_id)
// @param b: string — another identity id
// Returns: step (integer, from 0), from, to (identity ids), rule, score, evidence (list of strings),
// in path order; no rows when the two are not in one customer.
MATCH (x:Identity {identity_id: $a})-[:RESOLVES_TO]->(c:Customer)<-[:RESOLVES_TO]-(y:Identity {identity_id: $b})
MATCH p = shortestPath((x)-[:SAME_AS*..30]-(y))
WHERE all(n IN nodes(p) WHERE (n)-[:RESOLVES_TO]->(c))
WITH nodes(p) AS ns, relationships(p) AS rs
UNWIND range(0, size(rs) - 1) AS step
RETURN step, ns[step].identity_id AS from, ns[step + 1].identity_id AS to,
       rs[step].rule AS rule, rs[step].score AS score, rs[step].evidence AS evidence
ORDER BY step
