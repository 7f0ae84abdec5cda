// What a batch of accepted events touched beyond the ids the events name (graph_api.derive):
//   orders:      [orderId, buyerId, hostId, shopId] for the orders its order events refer to
//   reports:     [reportId, buyerId, hostId] for the reports it confirmed
//   shopBuyers:  the buyers of every shop whose trust rights changed (their platform trust moved)
// One row of lists, like the ingest checks.
CALL () {
  UNWIND $orderIds AS orderId
  MATCH (b:Buyer)-[:PLACED]->(o:Order {id: orderId})-[:HOSTED_BY]->(h:Host)
  MATCH (o)-[:FULFILLED_BY]->(s:Shop)
  RETURN collect([o.id, b.id, h.id, s.id]) AS orders
}
CALL () {
  UNWIND $reportIds AS reportId
  MATCH (b:Buyer)-[:FILED]->(r:FalseAdReport {id: reportId})-[:AGAINST]->(h:Host)
  RETURN collect([r.id, b.id, h.id]) AS reports
}
CALL () {
  UNWIND $rightsShopIds AS shopId
  MATCH (b:Buyer)-[:PLACED]->(:Order)-[:FULFILLED_BY]->(:Shop {id: shopId})
  RETURN collect(DISTINCT b.id) AS shopBuyers
}
RETURN orders, reports, shopBuyers
