// DISPUTE_RULED: the platform's verdict on a dispute about an order (its claims upheld for the
// buyer, or not). The latest ruling stands (a ruling replayed or arriving late changes nothing
// newer); shop and host metrics read it (scoring/entity_metrics.py, "Claims").
UNWIND $rows AS row
MATCH (o:Order {id: row.orderId})
WITH o, row
WHERE o.ruledAt IS NULL OR o.ruledAt <= row.at
SET o.ruling = row.ruling, o.ruledAt = row.at, o.rulingEvent = row.eventId
