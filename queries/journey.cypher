// journey: one customer's touchpoints in time order, across all their identities and sources.
// Parameters:
// @param customer_id: string — the golden customer's id
// @param limit: integer = 1000 — at most this many touchpoints (the earliest)
// @param since: datetime = null — only touchpoints at or after this moment: what a client that polls
//   for what is new reads, not the whole journey again
// Returns: interaction_id, at, type, source, identity_id (the record that did it), channel_id,
// rep_id, skus (sorted), amount, quantity, score, score_kind, sentiment; by at, then interaction_id.
MATCH (:Customer {customer_id: $customer_id})-[:HAD]->(x:Interaction)
WHERE $since IS NULL OR x.at >= $since
WITH x ORDER BY x.at, x.interaction_id LIMIT $limit
CALL (x) {
  OPTIONAL MATCH (x)-[:ABOUT]->(p:Product)
  WITH p ORDER BY p.sku
  RETURN collect(p.sku) AS skus
}
OPTIONAL MATCH (x)-[:VIA]->(ch:Channel)
OPTIONAL MATCH (x)-[:HANDLED_BY]->(r:Rep)
OPTIONAL MATCH (i:Identity)-[:PERFORMED]->(x)
RETURN x.interaction_id AS interaction_id, x.at AS at, x.type AS type, x.source AS source,
       i.identity_id AS identity_id, ch.channel_id AS channel_id, r.rep_id AS rep_id, skus,
       x.amount AS amount, x.quantity AS quantity, x.score AS score, x.score_kind AS score_kind,
       x.sentiment AS sentiment
ORDER BY at, interaction_id
