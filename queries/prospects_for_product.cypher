// prospects_for_product: the customers most likely to buy a product they do not own yet: for
// each product X a customer bought, the share of X's buyers who also bought this one, summed. For
// outreach, `channel` leaves out the customers without that consent (`prospects_consent` counts them).
// Parameters:
// @param sku: string — the product
// @param k: integer = 20 — how many customers
// @param channel: string = null — 'email' or 'sms': only customers whose email_opt_in / sms_opt_in is
// true (default: everyone, for analysis)
// Returns: customer_id, name, score (4 decimals), via (up to 3 skus of theirs, strongest first);
// by score descending, then customer_id.
MATCH (y:Product {sku: $sku})<-[a:ALSO_BOUGHT]-(x:Product)<-[:BOUGHT]-(c:Customer)
WHERE NOT (c)-[:BOUGHT]->(y)
  AND ($channel IS NULL OR ($channel = 'email' AND c.email_opt_in = true) OR ($channel = 'sms' AND c.sms_opt_in = true))
WITH c, x, toFloat(a.customers) / x.buyers AS share
ORDER BY share DESC, x.sku
WITH c, round(sum(share), 4) AS score, collect(x.sku) AS via
ORDER BY score DESC, c.customer_id
LIMIT $k
RETURN c.customer_id AS customer_id, c.name AS name, score, via[0..3] AS via
