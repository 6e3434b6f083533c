// cross_sell: products to offer a customer next, each with the purchases that justify it.
// A product the customer does not own scores, for each product X they bought, the share of X's
// buyers who also bought it (ALSO_BOUGHT.customers / X.buyers), summed.
// Parameters:
// @param customer_id: string — the golden customer's id
// @param k: integer = 10 — how many products
// Returns: sku, name, category, score (4 decimals), because (up to 3 of {sku, name, customers,
// buyers}: "customers of the buyers of X also bought it", strongest first), path (one path that
// exists in the graph: nodes [{label, key}], relationships [{type, start, end}]); by score
// descending, then sku.
MATCH (c:Customer {customer_id: $customer_id})-[:BOUGHT]->(x:Product)-[a:ALSO_BOUGHT]->(y:Product)
WHERE NOT (c)-[:BOUGHT]->(y)
WITH c, y, x, a.customers AS together, toFloat(a.customers) / x.buyers AS share
ORDER BY share DESC, x.sku
WITH c, y, round(sum(share), 4) AS score,
     collect({sku: x.sku, name: x.name, customers: together, buyers: x.buyers}) AS reasons
ORDER BY score DESC, y.sku
LIMIT $k
RETURN y.sku AS sku, y.name AS name, y.category AS category, score, reasons[0..3] AS because,
       {nodes: [{label: 'Customer', key: c.customer_id}, {label: 'Product', key: reasons[0].sku},
                {label: 'Product', key: y.sku}],
        relationships: [{type: 'BOUGHT', start: c.customer_id, end: reasons[0].sku},
                        {type: 'ALSO_BOUGHT', start: reasons[0].sku, end: y.sku}]} AS path
