// latest_touchpoint: the time of the newest interaction in the store: the moment stored
// customer scores (segment, churn risk) are measured from, so that they follow the data and
// not the clock.
// Parameters: none.
// Returns: one row: at (datetime, null in a store without interactions).
OPTIONAL MATCH (x:Interaction)
WHERE x.at IS NOT NULL
WITH x ORDER BY x.at DESC LIMIT 1
RETURN x.at AS at
