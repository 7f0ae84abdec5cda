UNWIND $rows AS row
MATCH (o:Order {id: row.orderId})
CREATE (:Complaint {id: row.eventId, reason: row.reason, at: row.at})-[:ABOUT]->(o)
