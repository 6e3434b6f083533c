// node_counts: how many nodes of each label the graph holds.
// Parameters: none.
// Returns: label (string), count (integer); one row per label present, ordered by label.
MATCH (n)
UNWIND labels(n) AS label
// Unlinked: the Neo4j store's mark on touchpoints no journey links yet (graph/neo4j/statements.py),
// not a kind of node.
WITH label WHERE label <> 'Unlinked'
RETURN label, count(*) AS count
ORDER BY label
