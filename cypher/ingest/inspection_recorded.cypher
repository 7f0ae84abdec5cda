// An inspection of an order's item (jewellery authenticity, a second-hand phone's device check).
UNWIND $rows AS row
MATCH (o:Order {id: row.orderId})
CREATE (:Inspection {id: row.eventId, kind: row.kind, passed: row.passed, at: row.at})-[:INSPECTS]->(o)
