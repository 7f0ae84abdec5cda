// The event stream's offsets this graph has applied (issue 14): one Clock node per topic
// partition ("kafka:<topic>:<partition>"), written by `trustgraph consume` in the transaction of
// the facts it records, so "offset N applied" and "its facts committed" are one fact. `offset` is
// the last applied message's offset (it only moves forward: a replayed batch changes nothing);
// `seq` the ingest log position whose derivation includes them (the batch's own, else the head
// of the log: derived state that reaches it includes everything before).
OPTIONAL MATCH (k:Clock {id: 'ingest'})
WITH coalesce($seq, k.seq, 0) AS seq
UNWIND $rows AS row
MERGE (c:Clock {id: row.id})
ON CREATE SET c.topic = row.topic, c.partition = row.partition, c.offset = -1, c.seq = 0
SET c.seq = CASE WHEN row.offset > c.offset THEN seq ELSE c.seq END,
    c.offset = CASE WHEN row.offset > c.offset THEN row.offset ELSE c.offset END
