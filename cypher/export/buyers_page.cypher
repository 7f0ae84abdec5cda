// Export, one page of buyers (keyset on id): each buyer with its stored TRUST toward hosts and
// shops and its orders aggregated per host and per shop, within the filters:
//   $since / $until  epoch ms, null for open: orders placed in [since, until]; with a window, a
//                    TRUST edge is kept only for a pair with an order in it
//   $category        null, or only hosts and shops of that category (IN_CATEGORY)
// Buyers with nothing left after the filters are left out. Only ids and the derived numbers:
// no name or any other personal field of a buyer exists in the graph, and none is exported.
//   $ids             null, or only these buyers (a neighbourhood): index seeks instead of a range
CALL () {
  WITH 1 AS one WHERE $ids IS NULL
  MATCH (b:Buyer) WHERE b.id > $after
  RETURN b ORDER BY b.id LIMIT $limit
  UNION
  UNWIND coalesce($ids, []) AS wanted
  MATCH (b:Buyer {id: wanted}) WHERE b.id > $after
  RETURN b ORDER BY b.id LIMIT $limit
}
WITH b ORDER BY b.id
CALL (b) {
  OPTIONAL MATCH (b)-[:PLACED]->(o:Order)-[:HOSTED_BY]->(h:Host)
  WHERE ($since IS NULL OR o.placedAt >= $since) AND ($until IS NULL OR o.placedAt <= $until)
    AND ($category IS NULL OR EXISTS { (h)-[:IN_CATEGORY]->(:Category {id: $category}) })
  WITH h, count(o) AS n, sum(o.amount) AS spend, min(o.placedAt) AS first, max(o.placedAt) AS last
  WHERE h IS NOT NULL
  RETURN collect(['HOST', h.id, n, spend, first, last]) AS hostOrders
}
CALL (b) {
  OPTIONAL MATCH (b)-[:PLACED]->(o:Order)-[:FULFILLED_BY]->(s:Shop)
  WHERE ($since IS NULL OR o.placedAt >= $since) AND ($until IS NULL OR o.placedAt <= $until)
    AND ($category IS NULL OR EXISTS { (s)-[:IN_CATEGORY]->(:Category {id: $category}) })
  WITH s, count(o) AS n, sum(o.amount) AS spend, min(o.placedAt) AS first, max(o.placedAt) AS last
  WHERE s IS NOT NULL
  RETURN collect(['SHOP', s.id, n, spend, first, last]) AS shopOrders
}
CALL (b) {
  OPTIONAL MATCH (b)-[t:TRUST]->(x)
  WHERE t IS NOT NULL AND ($category IS NULL OR EXISTS { (x)-[:IN_CATEGORY]->(:Category {id: $category}) })
  RETURN collect(CASE WHEN t IS NULL THEN null ELSE
           [CASE WHEN x:Host THEN 'HOST' ELSE 'SHOP' END, x.id, t.level, t.score, t.confidence, t.platformTrust, t.asOf]
         END) AS trust
}
WITH b, hostOrders + shopOrders AS orders, trust
WHERE size(orders) > 0 OR (size(trust) > 0 AND $since IS NULL AND $until IS NULL)
RETURN b.id AS id, b.weight AS weight, orders, trust
