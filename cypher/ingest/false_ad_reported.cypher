// A buyer reports false advertising in a host's live room ("Pinocchio").
UNWIND $rows AS row
MERGE (b:Buyer {id: row.buyerId})
MERGE (h:Host {id: row.hostId})
CREATE (b)-[:FILED]->(r:FalseAdReport {id: row.reportId, at: row.at})-[:AGAINST]->(h)
