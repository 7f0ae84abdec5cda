// The facts of host standing (metrics, badges, boost; graph_api.derive) for a batch of hosts:
// ONE record per host, as of $asOf. shop_facts and host_facts are twins (no dynamic labels).
//   orders:     [orderId, buyerId, placedAt, amount, deliveredAt, refundedAt, refundReason,
//                returned, reviews [[at, rating, reviewId]], complaints [[at, reason]],
//                inspections [[at, kind, passed]], ruling, ruledAt] for orders placed in ($since, $asOf]
//   buyers:     [buyerId, weight, level, credibility, hostCount, registeredAt, ringTargets,
//                targetCredibility] for the buyers of those
//               orders: the anti-gaming weight
//               stored on the Buyer and the level of the buyer's TRUST toward this host
//   penalties:  [at, severity, code] in ($violationSince, $asOf]
//   reports:    confirmation times of confirmed false-ad reports against it (hosts; [] for shops)
//   rights:     the open trust rights as of $asOf (hosts: [])
//   standing:   [asOf, state, previousState] of the stored Standing, or null
UNWIND $ids AS id
MATCH (x:Host {id: id})
CALL (x) {
  MATCH (o:Order)-[:HOSTED_BY]->(x)
  WHERE $since < o.placedAt <= $asOf
  MATCH (b:Buyer)-[:PLACED]->(o)
  RETURN collect([o.id, b.id, o.placedAt, o.amount, o.deliveredAt, o.refundedAt, o.refundReason, o.returned,
                  COLLECT { MATCH (rv:Review)-[:REVIEWS]->(o) RETURN [rv.at, rv.rating, rv.id] },
                  COLLECT { MATCH (c:Complaint)-[:ABOUT]->(o) RETURN [c.at, c.reason] },
                  COLLECT { MATCH (i:Inspection)-[:INSPECTS]->(o) RETURN [i.at, i.kind, i.passed] },
                  o.ruling, o.ruledAt]) AS orders,
         collect(DISTINCT b) AS buyerNodes
}
CALL (x, buyerNodes) {
  UNWIND buyerNodes AS b
  OPTIONAL MATCH (b)-[t:TRUST]->(x)
  RETURN collect([b.id, b.weight, t.level, b.credibility, b.hostCount, b.registeredAt,
                  b.ringTargets, b.targetCredibility]) AS buyers
}
CALL (x) {
  MATCH (p:Penalty)-[:PENALIZES]->(x)
  WHERE $violationSince < p.at <= $asOf
  RETURN collect([p.at, p.severity, p.code]) AS penalties
}
CALL (x) {
  MATCH (rep:FalseAdReport)-[:AGAINST]->(x)
  WHERE rep.confirmedAt IS NOT NULL AND rep.confirmedAt <= $asOf
  RETURN collect(rep.confirmedAt) AS reports
}
OPTIONAL MATCH (x)-[:IN_CATEGORY]->(cat:Category)
OPTIONAL MATCH (st:Standing {id: 'HOST:' + x.id})
RETURN x.id AS id, cat.id AS category, x.registeredAt AS registeredAt, orders, buyers, penalties,
       reports, [] AS rights,
       CASE WHEN st IS NULL THEN null ELSE [st.asOf, st.state, st.previousState] END AS standing
