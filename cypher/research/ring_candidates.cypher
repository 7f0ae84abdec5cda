// Ring detection's input (scoring/rings.py): every buyer whose own stored anti-gaming weight (before
// a group's cap) is below 1 (an account with a month of history weighs 1 and cannot be a
// throwaway), with its signals
// and its orders as [shopId, hostId, placedAt]. A label scan: research runs it in batch.
MATCH (b:Buyer)
WITH b, coalesce(b.ownWeight, b.weight) AS weight
WHERE weight < 1.0
CALL (b) {
  MATCH (b)-[:PLACED]->(o:Order)-[:FULFILLED_BY]->(s:Shop)
  MATCH (o)-[:HOSTED_BY]->(h:Host)
  RETURN collect([s.id, h.id, o.placedAt]) AS orders
}
RETURN b.id AS buyerId, weight, [x IN coalesce(b.weightSignals, []) WHERE x <> 'RING'] AS signals,
       orders
ORDER BY buyerId
