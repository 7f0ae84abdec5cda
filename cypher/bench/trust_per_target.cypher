// Benchmark baseline: the straightforward way to read one buyer's stored trust toward a list of
// hosts, one index seek per host then the relationship between the two (expand-into).
MATCH (b:Buyer {id: $buyerId})
UNWIND $hostIds AS id
OPTIONAL MATCH (h:Host {id: id})
OPTIONAL MATCH (b)-[t:TRUST]->(h)
RETURN id, t.level AS level, t.score AS score, t.confidence AS confidence
