// The facts of pair trust for a batch of buyers: ONE record per buyer (the Python driver pays
// per record), with nested lists that the caller groups into PairFacts per host and per shop.
// Lists rather than maps inside the lists: smaller to pack and unpack.
//   orders:       [orderId, hostId, shopId, placedAt, amount, itemId, category, deliveredAt,
//                  refundedAt, refundReason, returned,
//                  reviews [[at, rating, reviewId]], complaints [[at, reason]],
//                  inspections [[at, kind, passed]], ruling, ruledAt]
//                  (pair trust does not read the ruling; the full rebuild evaluates shops and
//                  hosts from these same orders: graph_api.derive.windows)
//   interactions: [hostId, type, at, value]   type WATCHED (value: minutes), COMMENTED (null),
//                  FOLLOW_CHANGE (1 followed, 0 unfollowed), TIER_CHANGE (tier)
//   reports:      [hostId, confirmedAt]       this buyer's confirmed false-ad reports
//   shops:        [shopId, rights]            the rights of every shop the buyer ordered from,
//                  as of $asOf: the current set (Shop.rights) when it was set by then, else the
//                  latest RightsChange at or before $asOf (ties: highest id), else none
//   registeredAt: the buyer's registration time (null if not registered yet), for its weight
//   ringId:       the brushing ring the buyer was found in (trustgraph rings --apply), or null
//   ringTargets:  the shops and hosts ("SHOP:id", "HOST:id") of that ring or group, or null
// Buyers with neither orders, interactions nor confirmed reports are left out. Facts after
// $asOf are still returned (scoring ignores them); only the rights need $asOf here.
UNWIND $buyerIds AS buyerId
MATCH (b:Buyer {id: buyerId})
CALL (b) {
  MATCH (b)-[:PLACED]->(o:Order)-[:HOSTED_BY]->(h:Host)
  MATCH (o)-[:FULFILLED_BY]->(s:Shop)
  RETURN collect([o.id, h.id, s.id, o.placedAt, o.amount, o.itemId, o.category, o.deliveredAt,
                  o.refundedAt, o.refundReason, o.returned,
                  COLLECT { MATCH (rv:Review)-[:REVIEWS]->(o) RETURN [rv.at, rv.rating, rv.id] },
                  COLLECT { MATCH (c:Complaint)-[:ABOUT]->(o) RETURN [c.at, c.reason] },
                  COLLECT { MATCH (i:Inspection)-[:INSPECTS]->(o) RETURN [i.at, i.kind, i.passed] },
                  o.ruling, o.ruledAt]) AS orders,
         collect(DISTINCT s) AS shopNodes
}
CALL (b) {
  MATCH (b)-[r:WATCHED|COMMENTED|FOLLOW_CHANGE|TIER_CHANGE]->(h:Host)
  RETURN collect([h.id, type(r), r.at,
                  CASE type(r)
                    WHEN 'WATCHED' THEN r.minutes
                    WHEN 'FOLLOW_CHANGE' THEN CASE WHEN r.active THEN 1 ELSE 0 END
                    WHEN 'TIER_CHANGE' THEN r.tier
                    ELSE null END]) AS interactions
}
CALL (b) {
  MATCH (b)-[:FILED]->(rep:FalseAdReport)-[:AGAINST]->(h:Host)
  WHERE rep.confirmedAt IS NOT NULL
  RETURN collect([h.id, rep.confirmedAt]) AS reports
}
WITH b, orders, shopNodes, interactions, reports
WHERE size(orders) > 0 OR size(interactions) > 0 OR size(reports) > 0
CALL (shopNodes) {
  UNWIND shopNodes AS s
  CALL (s) {
    OPTIONAL MATCH (rc:RightsChange)-[:CHANGES_RIGHTS_OF]->(s)
    WHERE rc.at <= $asOf
    WITH s, rc ORDER BY rc.at DESC, rc.id DESC LIMIT 1
    RETURN CASE
             WHEN s.rightsAt IS NOT NULL AND s.rightsAt <= $asOf THEN s.rights
             ELSE coalesce(rc.rights, []) END AS rights
  }
  RETURN collect([s.id, rights]) AS shops
}
RETURN b.id AS buyerId, b.registeredAt AS registeredAt, b.ringId AS ringId,
       b.ringTargets AS ringTargets, orders, interactions, reports, shops
