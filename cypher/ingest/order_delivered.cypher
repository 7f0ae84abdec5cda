// The earliest delivery wins, whatever order the events arrive in.
UNWIND $rows AS row
MATCH (o:Order {id: row.orderId})
SET o.deliveredAt = CASE WHEN o.deliveredAt IS NULL OR row.at < o.deliveredAt THEN row.at ELSE o.deliveredAt END
