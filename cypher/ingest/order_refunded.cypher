// A refund, its reason, and whether the goods came back (false: refund without return).
// If two refund events name one order, the earliest is the outcome.
UNWIND $rows AS row
MATCH (o:Order {id: row.orderId})
WITH o, row WHERE o.refundedAt IS NULL OR row.at < o.refundedAt
SET o.refundedAt = row.at, o.refundReason = row.reason, o.returned = row.returned
