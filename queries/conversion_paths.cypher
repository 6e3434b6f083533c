// conversion_paths: every customer's journey cut into paths for attribution. A conversion (an
// interaction of type `conversion`, about the product `sku` or of a product in `category` when
// given) ends a path of the touchpoints since the customer's previous conversion, at most
// `lookback_days` before it; what follows a customer's last conversion is a path that has not
// converted (the same lookback counted back from its last touchpoint). Attribution
// (services/attribution.py) shares each conversion among its path's touchpoints; root causes
// (services/root_causes.py) read the paths to survey answers (conversion "survey_response").
// Parameters:
// @param conversion: string = "purchase" — the interaction type that converts
// @param sku: string = null — only conversions about this product
// @param category: string = null — only conversions about a product of this category
// @param lookback_days: integer = 30 — touchpoints at most this many days before the conversion
// Returns: customer_id, converted (boolean), at (the conversion's time; for a path that has not
// converted, its last touchpoint's), interaction_id, score, score_kind (of the conversion; null for
// a path that has not converted), touchpoints (list of {type, channel, campaign, rep, skus (sorted),
// sentiment, at} in journey order; channel, campaign, rep and sentiment null when the interaction
// has none); by customer_id, at, converted.
MATCH (c:Customer)-[:HAD]->(x:Interaction)
WITH c, x ORDER BY x.at, x.interaction_id
WITH c, collect({
  id: x.interaction_id, type: x.type, at: x.at, campaign: x.campaign, sentiment: x.sentiment, score: x.score,
  score_kind: x.score_kind,
  channel: COLLECT { MATCH (x)-[:VIA]->(ch:Channel) RETURN ch.channel_id }[0],
  rep: COLLECT { MATCH (x)-[:HANDLED_BY]->(r:Rep) RETURN r.rep_id }[0],
  skus: COLLECT { MATCH (x)-[:ABOUT]->(p:Product) RETURN p.sku ORDER BY p.sku },
  converts: x.type = $conversion
            AND ($sku IS NULL OR EXISTS { (x)-[:ABOUT]->(p:Product) WHERE p.sku = $sku })
            AND ($category IS NULL OR EXISTS { (x)-[:ABOUT]->(p:Product) WHERE p.category = $category })
}) AS steps
WITH c, reduce(s = {paths: [], open: []}, step IN steps |
  CASE WHEN step.converts
       THEN {paths: s.paths + [{converted: true, at: step.at, conversion: step,
                                touchpoints: [t IN s.open WHERE t.at >= step.at - duration({days: $lookback_days})]}],
             open: []}
       ELSE {paths: s.paths, open: s.open + [step]} END) AS s
WITH c, s.paths + CASE WHEN size(s.open) = 0 THEN [] ELSE
  [{converted: false, at: s.open[-1].at, conversion: null,
    touchpoints: [t IN s.open WHERE t.at >= s.open[-1].at - duration({days: $lookback_days})]}] END AS paths
UNWIND paths AS p
RETURN c.customer_id AS customer_id, p.converted AS converted, p.at AS at,
       p.conversion.id AS interaction_id, p.conversion.score AS score, p.conversion.score_kind AS score_kind,
       [t IN p.touchpoints | {type: t.type, channel: t.channel, campaign: t.campaign, rep: t.rep, skus: t.skus,
                              sentiment: t.sentiment, at: t.at}] AS touchpoints
ORDER BY customer_id, at, converted
