// How far this graph has applied (and derived) the event stream's partitions `ids`
// ("kafka:<topic>:<partition>", see ingest/stream_applied): -1 for a partition it has not seen.
// Derived: by the consumer itself (derivedOffset) or by the ingest log's deriver (seq).
OPTIONAL MATCH (d:Clock {id: 'derived'})
WITH coalesce(d.seq, 0) AS derivedSeq
UNWIND $ids AS id
OPTIONAL MATCH (c:Clock {id: id})
RETURN id, coalesce(c.offset, -1) AS offset,
       CASE WHEN c IS NULL THEN -1
            WHEN c.seq <= derivedSeq THEN c.offset
            ELSE coalesce(c.derivedOffset, -1) END AS derivedOffset
