// likely_buyers: the customers likeliest to buy in a category in the next 90 days, as the last
// resolve's category model scored them (services/predictions.py). Each customer keeps the scores of
// their three likeliest categories, so only those whose three include it are listed. For outreach,
// `channel` leaves out the customers without that consent (`likely_buyers_consent` counts them).
// Parameters:
// @param category: string — the category (a product's `category`)
// @param limit: integer = 20 — at most this many customers
// @param channel: string = null — 'email' or 'sms': only customers whose email_opt_in / sms_opt_in is
// true (default: everyone, for analysis)
// Returns: customer_id, name, probability (4 decimals), as_of (the predictions' moment); by
// probability descending, then customer_id.
MATCH (c:Customer)
WHERE $category IN c.propensity_categories
  AND ($channel IS NULL OR ($channel = 'email' AND c.email_opt_in = true) OR ($channel = 'sms' AND c.sms_opt_in = true))
WITH c, [k IN range(0, size(c.propensity_categories) - 1)
         WHERE c.propensity_categories[k] = $category | c.propensity_category_scores[k]][0] AS probability
RETURN c.customer_id AS customer_id, c.name AS name, probability, c.predictions_as_of AS as_of
ORDER BY probability DESC, customer_id
LIMIT $limit
