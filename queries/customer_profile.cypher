// customer_profile: the 360 view of one golden customer: who they are in each source, what
// they did where, what they bought, who served them, how they feel.
// Parameters:
// @param customer_id: string — the golden customer's id
// @param as_of: datetime = null — the moment recency is measured from (default: now)
// Returns: one row (none for an unknown customer): customer (golden attributes), identities
// (list of {identity_id, source, name, email, phone}, by identity_id), interactions (count),
// by_type (list of {type, count}, by type), by_channel (list of {channel_id, count}, by
// channel_id), products (list of {sku, name, category, times, amount, last_at}, by amount
// descending, then sku), reps (list of {rep_id, name, team, times}, by times descending, then
// rep_id), first_at, last_at, purchases, revenue (2 decimals), recency_days (whole days from the
// last purchase to as_of; null without one), latest_nps ({score, at} or null), open_review
// (review-queue pairs that touch its identities).
MATCH (c:Customer {customer_id: $customer_id})
CALL (c) {
  OPTIONAL MATCH (c)<-[:RESOLVES_TO]-(i:Identity)
  WITH i ORDER BY i.identity_id
  RETURN [i IN collect(i) | {identity_id: i.identity_id, source: i.source, name: i.name, email: i.email,
                             phone: i.phone}] AS identities
}
CALL (c) {
  OPTIONAL MATCH (c)-[:HAD]->(x:Interaction)
  WITH x.type AS type, count(x) AS n ORDER BY type
  RETURN collect(CASE WHEN type IS NULL THEN null ELSE {type: type, count: n} END) AS by_type,
         sum(n) AS interactions
}
CALL (c) {
  OPTIONAL MATCH (c)-[:HAD]->(:Interaction)-[:VIA]->(ch:Channel)
  WITH ch.channel_id AS channel_id, count(ch) AS n ORDER BY channel_id
  RETURN collect(CASE WHEN channel_id IS NULL THEN null ELSE {channel_id: channel_id, count: n} END) AS by_channel
}
CALL (c) {
  OPTIONAL MATCH (c)-[:HAD]->(x:Interaction)
  RETURN min(x.at) AS first_at, max(x.at) AS last_at,
         count(CASE WHEN x.type = 'purchase' THEN 1 END) AS purchases,
         round(sum(CASE WHEN x.type = 'purchase' THEN coalesce(x.amount, 0.0) ELSE 0.0 END), 2) AS revenue,
         max(CASE WHEN x.type = 'purchase' THEN x.at END) AS last_purchase_at
}
CALL (c) {
  OPTIONAL MATCH (c)-[b:BOUGHT]->(p:Product)
  WITH p, b ORDER BY b.amount DESC, p.sku
  RETURN collect(CASE WHEN p IS NULL THEN null ELSE {sku: p.sku, name: p.name, category: p.category,
                 times: b.times, amount: b.amount, last_at: b.last_at} END) AS products
}
CALL (c) {
  OPTIONAL MATCH (c)<-[s:SERVES]-(r:Rep)
  WITH r, s ORDER BY s.times DESC, r.rep_id
  RETURN collect(CASE WHEN r IS NULL THEN null ELSE {rep_id: r.rep_id, name: r.name, team: r.team,
                 times: s.times} END) AS reps
}
CALL (c) {
  OPTIONAL MATCH (c)-[:HAD]->(x:Interaction)
  WHERE x.type = 'survey_response' AND x.score_kind = 'nps'
  WITH x ORDER BY x.at DESC, x.interaction_id DESC
  RETURN collect(CASE WHEN x IS NULL THEN null ELSE {score: x.score, at: x.at} END)[0] AS latest_nps
}
CALL (c) {
  OPTIONAL MATCH (c)<-[:RESOLVES_TO]-(:Identity)-[q:POSSIBLY_SAME_AS]-(:Identity)
  RETURN count(DISTINCT q) AS open_review
}
RETURN properties(c) AS customer, identities, interactions, by_type, by_channel, products, reps, first_at, last_at,
       purchases, revenue,
       CASE WHEN last_purchase_at IS NULL THEN null
            ELSE duration.inDays(last_purchase_at, coalesce($as_of, datetime())).days END AS recency_days,
       latest_nps, open_review
