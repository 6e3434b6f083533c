// likely_buyers: the customers likeliest to buy in a category in the next 90 days, as the last
// resolve's category model scored them (services/predictions.py). Each customer keeps the scores of
// their three likeliest categories, so only those whose three include it are listed.
// Parameters:
// @param category: string — the category (a product's `category`)
// @param limit: integer = 20 — at most this many customers
// Returns: customer_id, name, probability (4 decimals), as_of (the predictions' moment); by
// probability descending, then customer_id.
MATCH (c:Customer)
WHERE $category IN c.propensity_categories
WITH c, [k IN range(0, size(c.propensity_categories) - 1)
         WHERE c.propensity_categories[k] = $category | c.propensity_category_scores[k]][0] AS probability
RETURN c.customer_id AS customer_id, c.name AS name, probability, c.predictions_as_of AS as_of
ORDER BY probability DESC, customer_id
LIMIT $limit
