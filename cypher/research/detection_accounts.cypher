// Group detection's input (scoring/rings.py, scoring/lockstep.py, scoring/fraudar.py): every
// buyer with an order, whatever its weight (lockstep groups of policy v3 look at every buyer;
// the ring and dense-block detectors keep those their policy asks for), with its stored weight,
// its signals and its orders as [shopId, hostId, placedAt]. A label scan: research runs it in
// batch.
MATCH (b:Buyer)
CALL (b) {
  MATCH (b)-[:PLACED]->(o:Order)-[:FULFILLED_BY]->(s:Shop)
  MATCH (o)-[:HOSTED_BY]->(h:Host)
  RETURN collect([s.id, h.id, o.placedAt]) AS orders
}
WITH b, orders
WHERE size(orders) > 0
RETURN b.id AS buyerId, coalesce(b.weight, 1.0) AS weight,
       coalesce(b.weightSignals, []) AS signals, orders
ORDER BY buyerId
