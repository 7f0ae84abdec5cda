// trustBatch: what one buyer's stored trust says about many hosts and shops. Two lists:
//   relations: [kind, targetId, level, score, confidence, asOf] for EVERY TRUST relationship of
//              the buyer (a buyer has tens, not thousands): the caller keeps the ones asked for.
//              One expansion of the buyer instead of one look-up per target, so the cost does
//              not grow with the number of targets asked.
//   shops:     [shopId, rights] for the shops asked for that exist: a stranger's platform trust
//   clock:     the graph's clock (ingest/advance_clock), read here rather than by a query of its
//              own: the answer is the stored one only when the relations were scored at it
// Index-backed: the buyer, each shop and the clock by their unique ids.
OPTIONAL MATCH (b:Buyer {id: $buyerId})
CALL (b) {
  OPTIONAL MATCH (b)-[t:TRUST]->(x)
  RETURN collect(CASE WHEN t IS NULL THEN null
                      ELSE [CASE WHEN x:Host THEN 'HOST' ELSE 'SHOP' END, x.id, t.level, t.score, t.confidence, t.asOf]
                 END) AS relations
}
CALL () {
  UNWIND $shopIds AS id
  MATCH (s:Shop {id: id})
  RETURN collect([s.id, s.rights]) AS shops
}
OPTIONAL MATCH (k:Clock {id: 'events'})
RETURN relations, shops, k.at AS clock
