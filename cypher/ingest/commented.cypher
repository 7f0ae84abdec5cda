// One relationship per comment, so decay and "as of" see each one at its time.
UNWIND $rows AS row
MERGE (b:Buyer {id: row.buyerId})
MERGE (h:Host {id: row.hostId})
CREATE (b)-[:COMMENTED {at: row.at}]->(h)
