// cross_sell_paths: the concrete paths from a customer to a product they do not own, for a
// salesperson to show: customer -BOUGHT-> X <-BOUGHT- another customer -BOUGHT-> the product.
// One path per product X the customer bought whose buyers also bought this one, strongest X
// first; the other customer is the one with the smallest id.
// Parameters:
// @param customer_id: string — the golden customer's id
// @param sku: string — the product to justify
// @param first: integer = 5 — at most this many paths
// Returns: via_sku, other (the other customer's id), share (of X's buyers who bought the
// product, 4 decimals), nodes [{label, key}], relationships [{type, start, end}]; by share
// descending, then via_sku. No rows when the customer owns the product or nothing links them.
MATCH (c:Customer {customer_id: $customer_id}), (y:Product {sku: $sku})
WHERE NOT (c)-[:BOUGHT]->(y)
MATCH (c)-[:BOUGHT]->(x:Product)-[a:ALSO_BOUGHT]->(y)
WITH c, y, x, toFloat(a.customers) / x.buyers AS share
ORDER BY share DESC, x.sku
LIMIT $first
CALL (c, x, y) {
  MATCH (x)<-[:BOUGHT]-(o:Customer)-[:BOUGHT]->(y)
  WHERE o <> c
  RETURN o ORDER BY o.customer_id LIMIT 1
}
RETURN x.sku AS via_sku, o.customer_id AS other, round(share, 4) AS share,
       [{label: 'Customer', key: c.customer_id}, {label: 'Product', key: x.sku},
        {label: 'Customer', key: o.customer_id}, {label: 'Product', key: y.sku}] AS nodes,
       [{type: 'BOUGHT', start: c.customer_id, end: x.sku}, {type: 'BOUGHT', start: o.customer_id, end: x.sku},
        {type: 'BOUGHT', start: o.customer_id, end: y.sku}] AS relationships
ORDER BY share DESC, via_sku
