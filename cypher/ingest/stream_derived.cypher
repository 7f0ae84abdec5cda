// After `trustgraph consume --derive incremental` has rescored what a batch touched: derived
// state includes the partition's offsets up to `offset` (see ingest/stream_applied).
UNWIND $rows AS row
MATCH (c:Clock {id: row.id})
SET c.derivedOffset = CASE WHEN c.derivedOffset IS NULL OR row.offset > c.derivedOffset
    THEN row.offset ELSE c.derivedOffset END
