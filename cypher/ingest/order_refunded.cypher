// A refund, its reason, and whether the goods came back (false: refund without return).
// If two refund events name one order, the earliest is the outcome (ties: the first logged),
// within a batch as across batches: the batch's refunds of one order are reduced to its earliest
// first, because the WHERE below reads every row's order before the SET writes any (Cypher plans
// the read and the write of refundedAt apart), so two rows of one order would both pass it.
UNWIND $rows AS row
WITH row.orderId AS orderId, collect(row) AS refunds
WITH orderId, reduce(first = null, r IN refunds |
       CASE WHEN first IS NULL OR r.at < first.at THEN r ELSE first END) AS row
MATCH (o:Order {id: orderId})
WITH o, row WHERE o.refundedAt IS NULL OR row.at < o.refundedAt
SET o.refundedAt = row.at, o.refundReason = row.reason, o.returned = row.returned
