// node_counts: how many nodes of each label the graph holds.
// Parameters: none.
// Returns: label (string), count (integer); one row per label present, ordered by label.
MATCH (n)
UNWIND labels(n) AS label
RETURN label, count(*) AS count
ORDER BY label
