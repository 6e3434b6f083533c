// likely_buyers_consent: how many of a category's likely buyers (the customers `likely_buyers` lists)
// an outreach on `channel` may reach, and how many it leaves out for want of that consent.
// Parameters:
// @param category: string — the category
// @param channel: string — 'email' (email_opt_in) or 'sms' (sms_opt_in); any other reaches nobody
// Returns: one row: prospects, reachable (their opt-in is true), left_out (false or never given).
CALL () {
  OPTIONAL MATCH (c:Customer)
  WHERE $category IN c.propensity_categories
  RETURN count(c) AS prospects,
         count(CASE WHEN ($channel = 'email' AND c.email_opt_in = true) OR ($channel = 'sms' AND c.sms_opt_in = true)
                    THEN 1 END) AS reachable
}
RETURN prospects, reachable, prospects - reachable AS left_out
