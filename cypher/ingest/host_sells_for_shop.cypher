// A host sells for a shop; `since` is the earliest such event.
UNWIND $rows AS row
MERGE (h:Host {id: row.hostId})
MERGE (s:Shop {id: row.shopId})
MERGE (h)-[r:SELLS_FOR]->(s)
SET r.since = CASE WHEN r.since IS NULL OR row.at < r.since THEN row.at ELSE r.since END
