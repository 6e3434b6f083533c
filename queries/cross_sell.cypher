// cross_sell: products to offer a customer next, each with the reasons behind it and one path that
// exists in the graph. The customer's interest: what they bought or carted (weight 1), viewed or
// asked support about (0.5), the strongest signal per product. A product Y scores
//   the sum over their interest X of weight(X) x ALSO_BOUGHT.customers / sqrt(X.buyers x Y.buyers)
//   + (their interest in Y's category + 0.2) x Y's share of its category's buyers,
// among the products bought with their interest or in a category of it. Never offered: what they
// own, what they returned, anything in a category they complained about (a support ticket with
// sentiment <= -0.5) in the `complaint_days` before as_of. When fewer than k products score, best
// sellers fill the list with score 0, said as such: ranked by the buyers among customers of their
// country plus everyone's buyers scaled to as many purchases as the country's (a prior as strong as
// the country's own purchases, so a small country's few sales do not decide alone); everyone's
// alone for a customer without a country.
// Parameters:
// @param customer_id: string — the golden customer's id
// @param k: integer = 10 — how many products
// @param complaint_days: integer = 90 — how long a complaint keeps its category out
// @param as_of: datetime = null — the end of that window (default: now)
// Returns: sku, name, category, score (4 decimals), because (up to 3 of {kind, sku, name, signal,
// category, region, customers, buyers}, strongest first: 'also_bought': `customers` of the `buyers`
// of X (sku, which the customer `signal`: bought, carted, viewed or asked about) also bought it;
// 'category': Y has `customers` of the `buyers` of its category, where the customer showed
// interest in X; 'best_seller': `customers` in `region` bought it, of its `buyers` everywhere
// (region null: nobody of the customer's country bought it, or they have no country; `customers`
// then counts everyone)), path (nodes [{label, key}], relationships [{type, start, end}] of the
// first reason: customer to X to the offer; the offer alone for a best seller); by score
// descending, then sku.
MATCH (c:Customer {customer_id: $customer_id})
WITH c, coalesce($as_of, datetime()) AS now
CALL (c, now) {
  OPTIONAL MATCH (c)-[:HAD]->(x:Interaction)-[:ABOUT]->(p:Product)
  WHERE x.type = 'return' OR (x.type = 'support_ticket' AND x.sentiment <= -0.5
                              AND x.at >= now - duration({days: $complaint_days}) AND x.at < now)
  RETURN collect(DISTINCT CASE WHEN x.type = 'return' THEN p.sku END) AS returned,
         collect(DISTINCT CASE WHEN x.type = 'support_ticket' THEN p.category END) AS complained
}
CALL (c) {
  OPTIONAL MATCH (c)-[:BOUGHT]->(p:Product)
  RETURN collect(p.sku) AS owned
}
CALL (c, owned) {
  CALL (c, owned) {
    MATCH (c)-[:BOUGHT]->(p:Product)
    RETURN p, 1.0 AS weight, 'bought' AS signal, null AS via
    UNION
    MATCH (c)-[:HAD]->(x:Interaction)-[:ABOUT]->(p:Product)
    WHERE x.type IN ['add_to_cart', 'web_visit', 'support_ticket'] AND NOT p.sku IN owned
    WITH p, x ORDER BY CASE x.type WHEN 'add_to_cart' THEN 0 ELSE 1 END, x.at DESC, x.interaction_id DESC
    WITH p, head(collect(x)) AS x
    RETURN p, CASE x.type WHEN 'add_to_cart' THEN 1.0 ELSE 0.5 END AS weight,
           CASE x.type WHEN 'add_to_cart' THEN 'carted' WHEN 'web_visit' THEN 'viewed' ELSE 'asked' END AS signal,
           x.interaction_id AS via
  }
  WITH p, weight, signal, via ORDER BY weight DESC, p.sku
  RETURN collect({p: p, weight: weight, signal: signal, via: via}) AS interest
}
CALL (interest, owned, returned, complained) {
  CALL (interest) {
    UNWIND interest AS i
    WITH i.p AS x
    MATCH (x)-[:ALSO_BOUGHT]->(y:Product)
    RETURN y
    UNION
    UNWIND interest AS i
    WITH DISTINCT i.p.category AS category
    MATCH (y:Product {category: category})
    RETURN y
  }
  WITH y WHERE NOT y.sku IN owned AND NOT y.sku IN returned AND (y.category IS NULL OR NOT y.category IN complained)
  WITH y.category AS category, collect(y) AS ys
  CALL (category) {
    OPTIONAL MATCH (q:Product {category: category})
    RETURN sum(coalesce(q.buyers, 0)) AS category_buyers
  }
  UNWIND ys AS y
  CALL (y, interest) {
    UNWIND interest AS i
    WITH i, i.p AS x
    MATCH (x)-[a:ALSO_BOUGHT]->(y)
    RETURN collect({part: i.weight * a.customers / sqrt(toFloat(x.buyers) * y.buyers), via: i.via,
                    reason: {kind: 'also_bought', sku: x.sku, name: x.name, signal: i.signal, category: null,
                             region: null, customers: a.customers, buyers: x.buyers}}) AS links
  }
  WITH y, links, category_buyers, [i IN interest WHERE i.p.category = y.category] AS near,
       CASE WHEN category_buyers > 0 THEN toFloat(coalesce(y.buyers, 0)) / category_buyers ELSE 0.0 END AS within
  WITH y, CASE WHEN size(near) = 0 THEN 0.2 * within ELSE 0.0 END AS prior,
       links + [i IN near[0..1] | {part: (reduce(s = 0.0, n IN near | s + n.weight) + 0.2) * within, via: i.via,
                 reason: {kind: 'category', sku: i.p.sku, name: i.p.name, signal: i.signal, category: y.category,
                          region: null, customers: coalesce(y.buyers, 0), buyers: category_buyers}}] AS parts
  UNWIND parts AS part
  WITH y, prior, part ORDER BY part.part DESC, part.reason.kind, part.reason.sku
  WITH y, prior, collect(part) AS parts
  WITH y, round(reduce(s = 0.0, part IN parts | s + part.part) + prior, 4) AS score, parts[0..3] AS parts
  ORDER BY score DESC, y.sku
  LIMIT $k
  RETURN collect({sku: y.sku, name: y.name, category: y.category, score: score, parts: parts}) AS scored
}
CALL (c, owned, returned, complained, scored) {
  WITH c, [s IN scored | s.sku] + owned + returned AS taken WHERE size(scored) < $k
  CALL (c) {
    OPTIONAL MATCH (o:Customer {country: c.country})-[:BOUGHT]->(p:Product)
    WITH p.sku AS sku, count(o) AS n WHERE sku IS NOT NULL
    RETURN collect([sku, n]) AS local
  }
  MATCH (y:Product) WHERE y.buyers > 0
  WITH c, taken, local, collect(y) AS ys, sum(y.buyers) AS everywhere,
       reduce(s = 0, pair IN local | s + pair[1]) AS here
  UNWIND ys AS y
  WITH c, y, here, everywhere, coalesce(head([pair IN local WHERE pair[0] = y.sku | pair[1]]), 0) AS customers
  WHERE NOT y.sku IN taken AND (y.category IS NULL OR NOT y.category IN complained)
  WITH c, y, customers,
       CASE WHEN here > 0 THEN customers + toFloat(here) / everywhere * y.buyers ELSE toFloat(y.buyers) END AS rank
  ORDER BY rank DESC, y.sku
  LIMIT $k
  RETURN collect({sku: y.sku, name: y.name, category: y.category, score: 0.0,
                  parts: [{part: 0.0, via: null,
                           reason: {kind: 'best_seller', sku: y.sku, name: y.name, signal: null, category: null,
                                    region: CASE WHEN customers > 0 THEN c.country END,
                                    customers: CASE WHEN customers > 0 THEN customers ELSE y.buyers END,
                                    buyers: y.buyers}}]}) AS filled
}
UNWIND (scored + filled)[0..$k] AS offer
WITH c, offer, offer.parts[0] AS first
CALL (c, offer, first) {
  MATCH (y:Product {sku: offer.sku})
  OPTIONAL MATCH (y)-[:IN_CATEGORY]->(k:Category)
  RETURN head(collect(k.category_id)) AS category_id
}
WITH c, offer, first, first.reason AS reason, category_id,
     CASE WHEN first.via IS NULL
          THEN [{label: 'Customer', key: c.customer_id}, {label: 'Product', key: first.reason.sku}]
          ELSE [{label: 'Customer', key: c.customer_id}, {label: 'Interaction', key: first.via},
                {label: 'Product', key: first.reason.sku}] END AS to_x,
     CASE WHEN first.via IS NULL
          THEN [{type: 'BOUGHT', start: c.customer_id, end: first.reason.sku}]
          ELSE [{type: 'HAD', start: c.customer_id, end: first.via},
                {type: 'ABOUT', start: first.via, end: first.reason.sku}] END AS links_to_x
RETURN offer.sku AS sku, offer.name AS name, offer.category AS category, offer.score AS score,
       [part IN offer.parts | part.reason] AS because,
       CASE reason.kind
         WHEN 'best_seller' THEN {nodes: [{label: 'Product', key: offer.sku}], relationships: []}
         WHEN 'also_bought' THEN {nodes: to_x + [{label: 'Product', key: offer.sku}],
                                  relationships: links_to_x + [{type: 'ALSO_BOUGHT', start: reason.sku, end: offer.sku}]}
         ELSE {nodes: to_x + [{label: 'Category', key: category_id}, {label: 'Product', key: offer.sku}],
               relationships: links_to_x + [{type: 'IN_CATEGORY', start: reason.sku, end: category_id},
                                            {type: 'IN_CATEGORY', start: offer.sku, end: category_id}]}
       END AS path
