// interactions_without_identity: interactions that no identity performed (a data-quality check).
// Parameters: none.
// Returns: interaction_id (string), type (string); ordered by interaction_id.
MATCH (i:Interaction)
WHERE NOT EXISTS { (:Identity)-[:PERFORMED]->(i) }
RETURN i.interaction_id AS interaction_id, i.type AS type
ORDER BY interaction_id
