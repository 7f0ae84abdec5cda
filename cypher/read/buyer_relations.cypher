// A buyer's relations (its TRUST toward hosts and shops), a page at a time in (kind, target id)
// order; $kind 'HOST', 'SHOP' or null for both. Keyset on $after ('' first): "KIND:id".
MATCH (b:Buyer {id: $buyerId})
CALL (b) {
  MATCH (b)-[t:TRUST]->(x)
  WITH CASE WHEN x:Host THEN 'HOST' ELSE 'SHOP' END AS kind, x, t
  WHERE $kind IS NULL OR kind = $kind
  RETURN count(t) AS total
}
CALL (b) {
  MATCH (b)-[t:TRUST]->(x)
  WITH CASE WHEN x:Host THEN 'HOST' ELSE 'SHOP' END AS kind, x, t
  WHERE ($kind IS NULL OR kind = $kind) AND kind + ':' + x.id > $after
  WITH kind, x, t ORDER BY kind, x.id LIMIT $limit
  RETURN collect([kind, x.id, t.level, t.score, t.confidence, t.platformTrust, t.reasons, t.asOf]) AS page
}
RETURN b.id AS buyerId, b.weight AS weight, b.weightSignals AS weightSignals, total, page
