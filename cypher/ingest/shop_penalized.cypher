UNWIND $rows AS row
MERGE (s:Shop {id: row.shopId})
CREATE (:Penalty {id: row.eventId, severity: row.severity, code: row.code, at: row.at})-[:PENALIZES]->(s)
