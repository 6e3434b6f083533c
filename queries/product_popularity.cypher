// product_popularity: products by how many customers bought them (the popularity baseline that
// cross-sell is measured against, and a catalogue overview).
// Parameters:
// @param limit: integer = 1000 — at most this many products
// Returns: sku, name, category, buyers (customers who bought it; 0 before the first resolve);
// by buyers descending, then sku.
MATCH (p:Product)
RETURN p.sku AS sku, p.name AS name, p.category AS category, coalesce(p.buyers, 0) AS buyers
ORDER BY buyers DESC, sku
LIMIT $limit
