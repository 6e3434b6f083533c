// relationship_counts: how many relationships of each type the graph holds.
// Parameters: none.
// Returns: type (string), count (integer); one row per type present, ordered by type.
MATCH ()-[r]->()
RETURN type(r) AS type, count(*) AS count
ORDER BY type
