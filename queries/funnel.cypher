// funnel: how many customers reach each step of a funnel: a step counts when it comes after the
// step before it in the customer's journey (later, not necessarily next), and, with a conversion
// window, no later than `window_days` after the customer first reached step 1.
// Parameters:
// @param steps: list — touchpoint types in order, e.g. ["web_visit", "add_to_cart", "purchase"]
// @param window_days: integer = null — steps count only this many days after step 1 (default: any time)
// Returns: step (1-based), type, customers (who reached it), conversion (from the step before;
// for step 1, from all customers with a touchpoint; 4 decimals), drop_off (customers lost since
// the step before), median_hours (time from step 1 to this step of those who reached it: the
// lower median, 2 decimals; null when nobody did; at the last step, the time to convert); by step.
MATCH (c:Customer)-[:HAD]->(x:Interaction)
WITH c, x ORDER BY x.at, x.interaction_id
WITH c, collect(x.type) AS types, collect(x.at) AS times
WITH reduce(s = {reached: 0, start: null, seconds: []}, i IN range(0, size(types) - 1) |
       CASE WHEN s.reached < size($steps) AND types[i] = $steps[s.reached]
                 AND (s.reached = 0 OR $window_days IS NULL
                      OR duration.inSeconds(s.start, times[i]).seconds <= $window_days * 86400)
            THEN {reached: s.reached + 1, start: CASE WHEN s.reached = 0 THEN times[i] ELSE s.start END,
                  seconds: s.seconds + [CASE WHEN s.reached = 0 THEN 0
                                             ELSE duration.inSeconds(s.start, times[i]).seconds END]}
            ELSE s END) AS s
WITH collect(s) AS journeys
UNWIND range(1, size($steps)) AS step
CALL {
  WITH journeys, step
  UNWIND [j IN journeys WHERE j.reached >= step | j.seconds[step - 1]] AS seconds
  WITH seconds ORDER BY seconds
  RETURN collect(seconds) AS gaps
}
WITH step, gaps, size([j IN journeys WHERE j.reached >= step]) AS customers,
     size([j IN journeys WHERE j.reached >= step - 1]) AS before
RETURN step, $steps[step - 1] AS type, customers,
       CASE WHEN before = 0 THEN 0.0 ELSE round(toFloat(customers) / before, 4) END AS conversion,
       before - customers AS drop_off,
       CASE WHEN size(gaps) = 0 THEN null ELSE round(gaps[(size(gaps) - 1) / 2] / 3600.0, 2) END AS median_hours
ORDER BY step
