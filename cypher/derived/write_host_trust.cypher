// Derived state: the pair trust of buyers toward hosts (graph_api.derive.buyers.trust_row), one
// row per pair. A separate file per target label (no dynamic labels); write_shop_trust is its twin.
// `SET t = row.props` replaces every property, so a rescore replaces the whole decision.
// Every write moves the counter on (:Clock {id: 'trust'}), so each service process drops the
// trust answers it keeps (schema/responses.py) at its next look (read/card_head); `epoch` tells
// it the counter started again (an emptied graph).
MERGE (k:Clock {id: 'trust'})
ON CREATE SET k.seq = 0, k.epoch = randomUUID()
SET k.seq = k.seq + 1
WITH k
UNWIND $rows AS row
MATCH (b:Buyer {id: row.buyerId})
MATCH (x:Host {id: row.targetId})
MERGE (b)-[t:TRUST]->(x)
SET t = row.props
