// Derived state: the standing of hosts (metrics, badges, boost; graph_api.derive.standing), one row
// each, on a Standing node linked to its host; write_shop_standing and write_host_standing are
// twins. Every property is set on every write, so an evaluation replaces the whole decision.
UNWIND $rows AS row
MATCH (x:Host {id: row.entityId})
MERGE (st:Standing {id: row.id})
SET st = row
MERGE (st)-[:STANDING_OF]->(x)
