// Derived state: the standing of shops (metrics, badges, boost; graph_api.derive.standing), one row
// each, on a Standing node linked to its shop; write_shop_standing and write_host_standing are
// twins. Every property is set on every write, so an evaluation replaces the whole decision.
UNWIND $rows AS row
MATCH (x:Shop {id: row.entityId})
MERGE (st:Standing {id: row.id})
SET st = row
MERGE (st)-[:STANDING_OF]->(x)
