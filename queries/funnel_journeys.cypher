// funnel_journeys: how far each customer got in a funnel (as `funnel` counts it: a step counts
// when it comes after the step before it, within `window_days` of step 1 when given), with the
// touchpoints up to the furthest step reached: what root causes of drop-offs
// (services/root_causes.py) compare between those who went on and those who stopped.
// Parameters:
// @param steps: list — touchpoint types in order, e.g. ["web_visit", "add_to_cart", "purchase"]
// @param window_days: integer = null — steps count only this many days after step 1 (default: any time)
// Returns: one row per customer who reached step 1: customer_id, reached (steps reached),
// positions (index in touchpoints at which each reached step was reached), touchpoints (list of
// {type, channel, rep, skus (sorted), sentiment, at} in journey order, up to the furthest step
// reached); by customer_id.
MATCH (c:Customer)-[:HAD]->(x:Interaction)
WITH c, x ORDER BY x.at, x.interaction_id
WITH c, collect({
  type: x.type, at: x.at, sentiment: x.sentiment,
  channel: COLLECT { MATCH (x)-[:VIA]->(ch:Channel) RETURN ch.channel_id }[0],
  rep: COLLECT { MATCH (x)-[:HANDLED_BY]->(r:Rep) RETURN r.rep_id }[0],
  skus: COLLECT { MATCH (x)-[:ABOUT]->(p:Product) RETURN p.sku ORDER BY p.sku }
}) AS steps
WITH c, steps, reduce(s = {reached: 0, start: null, positions: []}, i IN range(0, size(steps) - 1) |
       CASE WHEN s.reached < size($steps) AND steps[i].type = $steps[s.reached]
                 AND (s.reached = 0 OR $window_days IS NULL
                      OR duration.inSeconds(s.start, steps[i].at).seconds <= $window_days * 86400)
            THEN {reached: s.reached + 1, start: CASE WHEN s.reached = 0 THEN steps[i].at ELSE s.start END,
                  positions: s.positions + [i]}
            ELSE s END) AS s
WHERE s.reached > 0
RETURN c.customer_id AS customer_id, s.reached AS reached, s.positions AS positions,
       steps[0..s.positions[-1] + 1] AS touchpoints
ORDER BY customer_id
