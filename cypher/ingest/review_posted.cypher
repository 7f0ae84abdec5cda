UNWIND $rows AS row
MATCH (o:Order {id: row.orderId})
CREATE (:Review {id: row.eventId, rating: row.rating, at: row.at})-[:REVIEWS]->(o)
