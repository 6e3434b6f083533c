// funnel: how many customers reach each step of a funnel: a step counts when it comes after the
// step before it in the customer's journey (later, not necessarily next).
// Parameters:
// @param steps: list — touchpoint types in order, e.g. ["web_visit", "add_to_cart", "purchase"]
// Returns: step (1-based), type, customers (who reached it), conversion (from the step before;
// for step 1, from all customers with a touchpoint; 4 decimals), drop_off (customers lost since
// the step before); by step.
MATCH (c:Customer)-[:HAD]->(x:Interaction)
WITH c, x ORDER BY x.at, x.interaction_id
WITH c, collect(x.type) AS types
WITH reduce(reached = 0, t IN types |
            CASE WHEN reached < size($steps) AND t = $steps[reached] THEN reached + 1 ELSE reached END) AS reached
WITH collect(reached) AS depths
UNWIND range(1, size($steps)) AS step
WITH step, size([d IN depths WHERE d >= step]) AS customers, size([d IN depths WHERE d >= step - 1]) AS before
RETURN step, $steps[step - 1] AS type, customers,
       CASE WHEN before = 0 THEN 0.0 ELSE round(toFloat(customers) / before, 4) END AS conversion,
       before - customers AS drop_off
ORDER BY step
