// journey_paths: the paths customers take from a touchpoint type onwards, or into it: in each
// customer's journey (a type repeated in a row counts once), from the first time they reach
// `touchpoint`, the `steps` types after it ("from") or before it ("into"), fewer where the
// journey is shorter; how many customers took each path and their share of all who reached it.
// Parameters:
// @param touchpoint: string — the touchpoint type, e.g. "add_to_cart"
// @param direction: string = "from" — "from" (what follows) or "into" (what came before)
// @param steps: integer = 3 — touchpoint types after (or before) it
// @param limit: integer = 20 — at most this many paths
// Returns: path (list of types, starting with `touchpoint` for "from", ending with it for
// "into"), customers, share (customers / customers who reached the touchpoint, 4 decimals); by
// customers descending, then path.
MATCH (c:Customer)-[:HAD]->(x:Interaction)
WITH c, x ORDER BY x.at, x.interaction_id
WITH c, collect(x.type) AS types
WITH reduce(v = [], t IN types | CASE WHEN size(v) > 0 AND v[-1] = t THEN v ELSE v + t END) AS collapsed
WHERE $touchpoint IN collapsed
WITH collapsed, [i IN range(0, size(collapsed) - 1) WHERE collapsed[i] = $touchpoint][0] AS at
WITH CASE WHEN $direction = 'into'
          THEN collapsed[CASE WHEN at - $steps < 0 THEN 0 ELSE at - $steps END..at + 1]
          ELSE collapsed[at..at + $steps + 1] END AS path
WITH path, count(*) AS customers
WITH collect({path: path, customers: customers}) AS paths, sum(customers) AS total
UNWIND paths AS p
RETURN p.path AS path, p.customers AS customers, round(toFloat(p.customers) / total, 4) AS share
ORDER BY customers DESC, path
LIMIT $limit
