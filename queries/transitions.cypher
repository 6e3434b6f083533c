// transitions: how often one touchpoint type directly follows another in customer journeys
// (NEXT), and the median time between the two.
// Parameters:
// @param min_count: integer = 1 — leave out transitions seen fewer times
// Returns: from_type, to_type, count, median_hours (the lower median of the gaps, 2 decimals);
// by count descending, then from_type, to_type.
MATCH (a:Interaction)-[:NEXT]->(b:Interaction)
WITH a.type AS from_type, b.type AS to_type, duration.inSeconds(a.at, b.at).seconds AS seconds
ORDER BY seconds
WITH from_type, to_type, collect(seconds) AS gaps
WHERE size(gaps) >= $min_count
RETURN from_type, to_type, size(gaps) AS count, round(gaps[(size(gaps) - 1) / 2] / 3600.0, 2) AS median_hours
ORDER BY count DESC, from_type, to_type
