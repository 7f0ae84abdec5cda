// One relationship per watch session, so decay and "as of" see each one at its time.
UNWIND $rows AS row
MERGE (b:Buyer {id: row.buyerId})
MERGE (h:Host {id: row.hostId})
CREATE (b)-[:WATCHED {at: row.at, minutes: row.minutes}]->(h)
