UNWIND $rows AS row
MERGE (h:Host {id: row.hostId})
CREATE (:Penalty {id: row.eventId, severity: row.severity, code: row.code, at: row.at})-[:PENALIZES]->(h)
