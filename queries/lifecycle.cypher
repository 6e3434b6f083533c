// lifecycle: customers by lifecycle state in each month (UTC) from the first month with activity
// to the last: new (first active that month), returning (active that month and the one before),
// resurrecting (active that month, not the one before, but earlier), dormant (active the month
// before, not this one). Active: a purchase that month (start "purchase") or any touchpoint
// (start "touch").
// Parameters:
// @param start: string = "purchase" — "purchase" or "touch"
// Returns: month ('YYYY-MM'), new, returning, resurrecting, dormant, active (new + returning +
// resurrecting); by month. A month in the range where nothing happened is left out.
CALL () {
  MATCH (:Customer)-[:HAD]->(x:Interaction)
  WHERE $start = 'touch' OR x.type = 'purchase'
  WITH datetime({epochMillis: x.at.epochMillis}) AS at
  RETURN max(at.year * 12 + at.month - 1) AS last
}
MATCH (c:Customer)-[:HAD]->(x:Interaction)
WHERE $start = 'touch' OR x.type = 'purchase'
WITH last, c, datetime({epochMillis: x.at.epochMillis}) AS at
WITH last, c, collect(DISTINCT at.year * 12 + at.month - 1) AS months
WITH last, months, reduce(first = months[0], m IN months | CASE WHEN m < first THEN m ELSE first END) AS first
UNWIND [m IN months | {month: m, state: CASE WHEN m = first THEN 'new' WHEN (m - 1) IN months THEN 'returning'
                                             ELSE 'resurrecting' END}]
       + [m IN months WHERE NOT (m + 1) IN months AND m + 1 <= last | {month: m + 1, state: 'dormant'}] AS s
WITH s.month AS month,
     sum(CASE s.state WHEN 'new' THEN 1 ELSE 0 END) AS new,
     sum(CASE s.state WHEN 'returning' THEN 1 ELSE 0 END) AS returning,
     sum(CASE s.state WHEN 'resurrecting' THEN 1 ELSE 0 END) AS resurrecting,
     sum(CASE s.state WHEN 'dormant' THEN 1 ELSE 0 END) AS dormant
RETURN toString(month / 12) + '-' + right('0' + toString(month % 12 + 1), 2) AS month,
       new, returning, resurrecting, dormant, new + returning + resurrecting AS active
ORDER BY month
