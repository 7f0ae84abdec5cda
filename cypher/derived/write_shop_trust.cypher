// Derived state: the pair trust of buyers toward shops (graph_api.derive.buyers.trust_row), one
// row per pair. A separate file per target label (no dynamic labels); write_host_trust is its twin.
// `SET t = row.props` replaces every property, so a rescore replaces the whole decision.
UNWIND $rows AS row
MATCH (b:Buyer {id: row.buyerId})
MATCH (x:Shop {id: row.targetId})
MERGE (b)-[t:TRUST]->(x)
SET t = row.props
