// segments: RFM segments of the customers who purchased. Recency (days since the last
// purchase), frequency (purchases) and monetary value (their amounts) are each scored 1-5 by
// quintile of rank among those customers (ties by customer_id), then named:
// champions (R, F and M >= 4), loyal (R and F >= 3), new (R >= 4, F <= 2), at_risk (R <= 2,
// F >= 3), hibernating (R <= 2, F <= 2), needs_attention (the rest).
// Parameters:
// @param as_of: datetime = null — the moment recency is measured from (default: now)
// Returns: segment, customers, share (of customers who purchased, 4 decimals), avg_recency_days,
// avg_frequency, avg_monetary (2 decimals each); by customers descending, then segment.
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
WITH rows[k].row AS row, rows[k].r AS r, rows[k].f AS f, 1 + (5 * k) / n AS m, n
WITH row, n, CASE WHEN r >= 4 AND f >= 4 AND m >= 4 THEN 'champions'
                  WHEN r >= 3 AND f >= 3 THEN 'loyal'
                  WHEN r >= 4 AND f <= 2 THEN 'new'
                  WHEN r <= 2 AND f >= 3 THEN 'at_risk'
                  WHEN r <= 2 AND f <= 2 THEN 'hibernating'
                  ELSE 'needs_attention' END AS segment
WITH segment, n, count(*) AS customers, sum(row.recency) AS recency, sum(row.frequency) AS frequency,
     sum(row.monetary) AS monetary
RETURN segment, customers, round(toFloat(customers) / n, 4) AS share,
       round(toFloat(recency) / customers, 2) AS avg_recency_days,
       round(toFloat(frequency) / customers, 2) AS avg_frequency,
       round(monetary / customers, 2) AS avg_monetary
ORDER BY customers DESC, segment
