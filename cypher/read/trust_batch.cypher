// trustBatch: the stored trust of one buyer toward many hosts and shops, in input order (UNWIND
// then OPTIONAL MATCH keeps the order of the rows). One row of two lists:
//   hosts: [level, score, confidence, asOf]            null fields: no TRUST (a stranger)
//   shops: [level, score, confidence, asOf, rights]    rights: the shop's current trust rights
//          (null: no such shop), for a stranger's platform trust
// Index-backed: the buyer by its unique id, each target by its unique id, then the TRUST
// relationship between the two (expand-into).
OPTIONAL MATCH (b:Buyer {id: $buyerId})
CALL (b) {
  UNWIND $hostIds AS id
  OPTIONAL MATCH (b)-[t:TRUST]->(:Host {id: id})
  RETURN collect([t.level, t.score, t.confidence, t.asOf]) AS hosts
}
CALL (b) {
  UNWIND $shopIds AS id
  OPTIONAL MATCH (s:Shop {id: id})
  OPTIONAL MATCH (b)-[t:TRUST]->(s)
  RETURN collect([t.level, t.score, t.confidence, t.asOf, s.rights]) AS shops
}
RETURN hosts, shops
