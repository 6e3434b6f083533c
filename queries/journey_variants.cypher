// journey_variants: the most common ways customer journeys begin: the first `steps` touchpoint
// types of each customer's journey (a type repeated in a row counts once), how many customers
// took each, and how many of them purchased at any point.
// Parameters:
// @param steps: integer = 4 — how many touchpoint types make a variant
// @param limit: integer = 20 — at most this many variants
// Returns: variant (list of types), customers, converted (customers of the variant with a
// purchase anywhere in their journey), conversion (converted / customers, 4 decimals); by
// customers descending, then variant.
MATCH (c:Customer)-[:HAD]->(x:Interaction)
WITH c, x ORDER BY x.at, x.interaction_id
WITH c, collect(x.type) AS types
WITH types, reduce(v = [], t IN types | CASE WHEN size(v) > 0 AND v[-1] = t THEN v ELSE v + t END) AS collapsed
WITH collapsed[0..$steps] AS variant, CASE WHEN 'purchase' IN types THEN 1 ELSE 0 END AS bought
WITH variant, count(*) AS customers, sum(bought) AS converted
RETURN variant, customers, converted, round(toFloat(converted) / customers, 4) AS conversion
ORDER BY customers DESC, variant
LIMIT $limit
