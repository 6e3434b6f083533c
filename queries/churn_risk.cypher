// churn_risk: customers whose activity or satisfaction is falling. Compares the last
// `window_days` before as_of with the window before it: fewer touchpoints (from at least 2),
// NPS answers in the last window below their earlier ones, unhappy support tickets (sentiment
// <= -0.5) in the last window. risk = 0.5 x activity drop (1 - recent / previous) + 0.3 x NPS
// drop (points / 5, at most 1) + 0.2 x (any unhappy ticket). Customers without a touchpoint in
// the two windows are not listed: they are gone, not at risk.
// Parameters:
// @param as_of: datetime = null — the end of the last window (default: now)
// @param window_days: integer = 90 — the length of each window in days
// @param limit: integer = 50 — at most this many customers
// @param customer_ids: list = null — only these customers (default: all)
// Returns: customer_id, name, recent, previous (touchpoints in the last window and the one
// before), nps_drop (mean NPS before the last window minus mean NPS in it, 2 decimals; null
// unless both exist), unhappy_tickets, risk (4 decimals); customers with risk > 0, by risk
// descending, then customer_id.
WITH coalesce($as_of, datetime()) AS now
WITH now, now - duration({days: $window_days}) AS start, now - duration({days: 2 * $window_days}) AS before
MATCH (x:Interaction)
WHERE x.at >= before AND x.at < now
MATCH (c:Customer)-[:HAD]->(x)
WHERE $customer_ids IS NULL OR c.customer_id IN $customer_ids
WITH c, now, start, count(CASE WHEN x.at >= start THEN 1 END) AS recent,
     count(CASE WHEN x.at < start THEN 1 END) AS previous,
     count(CASE WHEN x.at >= start AND x.type = 'support_ticket' AND x.sentiment <= -0.5 THEN 1 END) AS unhappy
CALL (c, now, start) {
  OPTIONAL MATCH (c)-[:HAD]->(s:Interaction)
  WHERE s.type = 'survey_response' AND s.score_kind = 'nps' AND s.at < now
  RETURN avg(CASE WHEN s.at < start THEN s.score END) AS earlier, avg(CASE WHEN s.at >= start THEN s.score END) AS latest
}
WITH c, recent, previous, unhappy,
     CASE WHEN earlier IS NULL OR latest IS NULL THEN null ELSE earlier - latest END AS nps_drop,
     CASE WHEN previous >= 2 AND recent < previous THEN 1.0 - toFloat(recent) / previous ELSE 0.0 END AS activity_drop
WITH c, recent, previous, unhappy, nps_drop,
     round(0.5 * activity_drop
           + 0.3 * CASE WHEN nps_drop IS NULL OR nps_drop <= 0 THEN 0.0 WHEN nps_drop >= 5 THEN 1.0
                        ELSE nps_drop / 5.0 END
           + 0.2 * CASE WHEN unhappy > 0 THEN 1.0 ELSE 0.0 END, 4) AS risk
WHERE risk > 0
RETURN c.customer_id AS customer_id, c.name AS name, recent, previous, round(nps_drop, 2) AS nps_drop,
       unhappy AS unhappy_tickets, risk
ORDER BY risk DESC, customer_id
LIMIT $limit
