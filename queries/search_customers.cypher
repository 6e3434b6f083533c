// search_customers: customers whose records match what a user typed: an e-mail address, a phone
// number in international form (+81 90...), or part of a name in any script or width.
// Parameters:
// @param text: search — the search text; custgraph normalises it like stored values (e-mail
// canonical, phone E.164, names case-, width- and kana-folded); in Neo4j Browser give it
// lower case with katakana as hiragana
// @param limit: integer = 20 — at most this many customers
// Returns: customer_id, name, email, phone (golden), purchase_propensity, churn_probability (as the
// last resolve predicted them, or null), matched (ids of the identities that matched, sorted); exact
// e-mail or phone matches first, then by name, then customer_id.
CALL () {
  MATCH (i:Identity) WHERE i.email_norm = $text RETURN i, 0 AS rank
  UNION
  MATCH (i:Identity) WHERE i.phone_norm = $text RETURN i, 0 AS rank
  UNION
  MATCH (i:Identity) WHERE i.name_norm CONTAINS $text RETURN i, 1 AS rank
  UNION
  MATCH (i:Identity) WHERE i.name_kana_norm CONTAINS $text RETURN i, 1 AS rank
}
MATCH (i)-[:RESOLVES_TO]->(c:Customer)
WITH c, i, min(rank) AS rank ORDER BY i.identity_id
WITH c, min(rank) AS rank, collect(i.identity_id) AS matched
RETURN c.customer_id AS customer_id, c.name AS name, c.email AS email, c.phone AS phone,
       c.purchase_propensity AS purchase_propensity, c.churn_probability AS churn_probability, matched
ORDER BY rank, name, customer_id
LIMIT $limit
