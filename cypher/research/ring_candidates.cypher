// Ring detection's input (scoring/rings.py): every buyer whose stored anti-gaming weight is below
// 1 (an account with a month of history weighs 1 and cannot be a throwaway), with its signals
// and its orders as [shopId, hostId, placedAt]. A label scan: research runs it in batch.
MATCH (b:Buyer)
WHERE b.weight < 1.0
CALL (b) {
  MATCH (b)-[:PLACED]->(o:Order)-[:FULFILLED_BY]->(s:Shop)
  MATCH (o)-[:HOSTED_BY]->(h:Host)
  RETURN collect([s.id, h.id, o.placedAt]) AS orders
}
RETURN b.id AS buyerId, b.weight AS weight, coalesce(b.weightSignals, []) AS signals, orders
ORDER BY buyerId
