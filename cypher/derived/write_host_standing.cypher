// Derived state: the standing of hosts (metrics, badges, boost; graph_api.derive.standing), one row
// each, on a Standing node linked to its host; write_shop_standing and write_host_standing are
// twins. Every property is set on every write, so an evaluation replaces the whole decision.
// `rev` numbers the write, by the counter on (:Clock {id: 'cards'}), for the badge-card caches
// of the service processes (graph_api.usecases.cards): they drop what was rewritten after the
// revision they follow. The counter's write lock is held until the transaction commits, so
// revisions become visible in order (as for the change log). `epoch` tells a follower the
// counter was reset (an emptied graph) so that it drops everything.
MERGE (k:Clock {id: 'cards'})
ON CREATE SET k.seq = 0, k.epoch = randomUUID()
SET k.seq = k.seq + 1
WITH k.seq AS rev
UNWIND $rows AS row
MATCH (x:Host {id: row.entityId})
MERGE (st:Standing {id: row.id})
SET st = row, st.rev = rev
MERGE (st)-[:STANDING_OF]->(x)
