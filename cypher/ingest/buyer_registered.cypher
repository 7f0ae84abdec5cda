// A buyer may already exist, created by an earlier reference; registration fills it in.
// The earliest registration wins, so the order events arrive in does not matter.
UNWIND $rows AS row
MERGE (b:Buyer {id: row.buyerId})
SET b.registeredAt = CASE WHEN b.registeredAt IS NULL OR row.at < b.registeredAt THEN row.at ELSE b.registeredAt END
