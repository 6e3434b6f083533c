// stored_segments: the RFM segment kept on each customer by the last resolve (see `segments` for how
// it is made), so that the next one can count how customers moved between segments.
// Parameters: none.
// Returns: customer_id, segment (null for a customer without purchases); by customer_id.
MATCH (c:Customer)
RETURN c.customer_id AS customer_id, c.rfm_segment AS segment
ORDER BY customer_id
