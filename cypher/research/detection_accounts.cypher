// Group detection's input (scoring/rings.py, scoring/lockstep.py, scoring/fraudar.py,
// scoring/crowds.py): every buyer with an order, whatever its weight (lockstep groups of policy
// v3 look at every buyer; the ring and dense-block detectors keep those their policy asks for),
// with its own stored weight and signals (before a group's cap: a detection judges the account's
// evidence, not the last detection's mark) and its orders as [shopId, hostId, placedAt]; its claims
// (claim bursts, policy v4) as [shopId, hostId, claimedAt] per order with a refund or complaint
// for one of $forCause, at the first; and the distinct days (ms since the epoch / one day) on
// which it interacted with a live room (a history: buyers.history_days of them); and when it
// registered (lockstep groups of policy v5 leave out members registered apart). A label scan:
// research runs it in batch.
MATCH (b:Buyer)
CALL (b) {
  MATCH (b)-[:PLACED]->(o:Order)-[:FULFILLED_BY]->(s:Shop)
  MATCH (o)-[:HOSTED_BY]->(h:Host)
  WITH s, h, o,
       [t IN COLLECT { MATCH (c:Complaint)-[:ABOUT]->(o) WHERE c.reason IN $forCause
                       RETURN c.at }
          + CASE WHEN o.refundedAt IS NOT NULL AND o.refundReason IN $forCause
                 THEN [o.refundedAt] ELSE [] END] AS claimed
  RETURN collect([s.id, h.id, o.placedAt]) AS orders,
         collect(CASE WHEN size(claimed) > 0
                      THEN [s.id, h.id, reduce(m = claimed[0], t IN claimed |
                                               CASE WHEN t < m THEN t ELSE m END)]
                      END) AS claims
}
WITH b, orders, claims
WHERE size(orders) > 0
RETURN b.id AS buyerId, coalesce(b.ownWeight, b.weight, 1.0) AS weight,
       [x IN coalesce(b.weightSignals, []) WHERE x <> 'RING'] AS signals, orders, claims,
       b.registeredAt AS registeredAt,
       COLLECT { MATCH (b)-[r:WATCHED|COMMENTED|FOLLOW_CHANGE|TIER_CHANGE]->(:Host)
                 RETURN DISTINCT r.at / 86400000 } AS interactionDays
ORDER BY buyerId
