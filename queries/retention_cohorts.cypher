// retention_cohorts: customers grouped by the month (UTC) of their first purchase (start
// "purchase") or first touchpoint of any type (start "touch"), and how many of each cohort are
// active in each month after it: a purchase (or any touchpoint) that month.
// Parameters:
// @param start: string = "purchase" — "purchase" or "touch"
// Returns: cohort ('YYYY-MM'), months_since (0 = the cohort's own month), customers (of the cohort
// active that month; months with none are left out), cohort_size, rate (customers / cohort_size,
// 4 decimals); by cohort, months_since.
MATCH (c:Customer)-[:HAD]->(x:Interaction)
WHERE $start = 'touch' OR x.type = 'purchase'
WITH c, datetime({epochMillis: x.at.epochMillis}) AS at
WITH c, collect(DISTINCT at.year * 12 + at.month - 1) AS months
WITH c, months, reduce(first = months[0], m IN months | CASE WHEN m < first THEN m ELSE first END) AS first
UNWIND months AS month
WITH first, month - first AS months_since, count(c) AS customers
WITH first, collect({since: months_since, customers: customers}) AS cells
WITH first, cells, [cell IN cells WHERE cell.since = 0][0].customers AS size
UNWIND cells AS cell
RETURN toString(first / 12) + '-' + right('0' + toString(first % 12 + 1), 2) AS cohort,
       cell.since AS months_since, cell.customers AS customers, size AS cohort_size,
       round(toFloat(cell.customers) / size, 4) AS rate
ORDER BY cohort, months_since
