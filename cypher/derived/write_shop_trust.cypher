// Derived state: the pair trust of buyers toward shops (graph_api.rescore), one row per pair.
// A separate file per target label (no dynamic labels); write_host_trust is its twin.
// Every property is set on every write, so a rescore replaces the whole decision.
UNWIND $rows AS row
MATCH (b:Buyer {id: row.buyerId})
MATCH (x:Shop {id: row.targetId})
MERGE (b)-[t:TRUST]->(x)
SET t.level = row.level,
    t.score = row.score,
    t.confidence = row.confidence,
    t.belief = row.belief,
    t.disbelief = row.disbelief,
    t.uncertainty = row.uncertainty,
    t.distrust = row.distrust,
    t.personalScore = row.personalScore,
    t.platformTrust = row.platformTrust,
    t.satisfiedOrders = row.satisfiedOrders,
    t.distinctMonths = row.distinctMonths,
    t.reasons = row.reasons,
    t.reasonMessages = row.reasonMessages,
    t.nextLevel = row.nextLevel,
    t.asOf = row.asOf,
    t.policyVersion = row.policyVersion
