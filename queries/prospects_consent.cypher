// prospects_consent: how many of a product's prospects (the customers `prospects_for_product` ranks)
// an outreach on `channel` may reach, and how many it leaves out for want of that consent.
// Parameters:
// @param sku: string — the product
// @param channel: string — 'email' (email_opt_in) or 'sms' (sms_opt_in); any other reaches nobody
// Returns: one row (none for an unknown product): prospects, reachable (their opt-in is true),
// left_out (false or never given).
MATCH (y:Product {sku: $sku})
CALL (y) {
  OPTIONAL MATCH (y)<-[:ALSO_BOUGHT]-(:Product)<-[:BOUGHT]-(c:Customer)
  WHERE NOT (c)-[:BOUGHT]->(y)
  WITH DISTINCT c
  RETURN count(c) AS prospects,
         count(CASE WHEN ($channel = 'email' AND c.email_opt_in = true) OR ($channel = 'sms' AND c.sms_opt_in = true)
                    THEN 1 END) AS reachable
}
RETURN prospects, reachable, prospects - reachable AS left_out
