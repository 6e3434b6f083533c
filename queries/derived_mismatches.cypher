// derived_mismatches: customers whose derived relationships disagree with their identities'
// interactions (a consistency check; empty after every resolve).
// Parameters: none.
// Returns: customer_id, interactions (performed by its identities), had, next (NEXT links from
// its interactions), stray (NEXT links that go back in time or leave the customer); ordered by customer_id.
MATCH (c:Customer)
WITH c,
     COUNT { (c)<-[:RESOLVES_TO]-(:Identity)-[:PERFORMED]->(:Interaction) } AS interactions,
     COUNT { (c)-[:HAD]->(:Interaction) } AS had,
     COUNT { (c)-[:HAD]->(:Interaction)-[:NEXT]->(:Interaction) } AS next,
     COUNT { (c)-[:HAD]->(x:Interaction)-[:NEXT]->(y:Interaction)
             WHERE y.at < x.at OR NOT (c)-[:HAD]->(y) } AS stray
WHERE had <> interactions OR next <> CASE WHEN interactions = 0 THEN 0 ELSE interactions - 1 END OR stray > 0
RETURN c.customer_id AS customer_id, interactions, had, next, stray
ORDER BY customer_id
