// segments: the RFM segment of each customer who purchased. Recency (days since the last
// purchase), frequency (purchases) and monetary value (their amounts) are each scored 1-5 by
// quintile of rank among all those customers (ties by customer_id), then named:
// champions (R, F and M >= 4), loyal (R and F >= 3), new (R >= 4, F <= 2), at_risk (R <= 2,
// F >= 3), hibernating (R <= 2, F <= 2), needs_attention (the rest).
// Parameters:
// @param as_of: datetime = null — the moment recency is measured from (default: now)
// @param customer_ids: list = null — only these customers (scored among all; default: all)
// Returns: customer_id, recency_days, frequency, monetary (2 decimals), r, f, m (1-5), segment;
// by customer_id.
MATCH (c:Customer)-[:HAD]->(x:Interaction)
WHERE x.type = 'purchase'
WITH c.customer_id AS id, duration.inDays(max(x.at), coalesce($as_of, datetime())).days AS recency,
     count(x) AS frequency, round(sum(coalesce(x.amount, 0.0)), 2) AS monetary
ORDER BY recency DESC, id
WITH collect({id: id, recency: recency, frequency: frequency, monetary: monetary}) AS rows
WITH rows, size(rows) AS n
UNWIND range(0, n - 1) AS k
WITH rows[k] AS row, 1 + (5 * k) / n AS r, n
ORDER BY row.frequency, row.id
WITH collect({row: row, r: r}) AS rows, n
UNWIND range(0, n - 1) AS k
WITH rows[k].row AS row, rows[k].r AS r, 1 + (5 * k) / n AS f, n
ORDER BY row.monetary, row.id
WITH collect({row: row, r: r, f: f}) AS rows, n
UNWIND range(0, n - 1) AS k
WITH rows[k].row AS row, rows[k].r AS r, rows[k].f AS f, 1 + (5 * k) / n AS m
WHERE $customer_ids IS NULL OR row.id IN $customer_ids
RETURN row.id AS customer_id, row.recency AS recency_days, row.frequency AS frequency, row.monetary AS monetary,
       r, f, m,
       CASE WHEN r >= 4 AND f >= 4 AND m >= 4 THEN 'champions'
            WHEN r >= 3 AND f >= 3 THEN 'loyal'
            WHEN r >= 4 AND f <= 2 THEN 'new'
            WHEN r <= 2 AND f >= 3 THEN 'at_risk'
            WHEN r <= 2 AND f <= 2 THEN 'hibernating'
            ELSE 'needs_attention' END AS segment
ORDER BY customer_id
