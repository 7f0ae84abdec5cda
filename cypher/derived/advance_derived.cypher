// Derived state now includes every batch up to $seq: move the position (never back) and drop
// the log entries it covers (the facts themselves are in the graph; the entries only said what
// to rescore).
MERGE (d:Clock {id: 'derived'})
ON CREATE SET d.seq = 0
SET d.seq = CASE WHEN $seq > d.seq THEN $seq ELSE d.seq END
WITH d
CALL {
  WITH d
  MATCH (b:IngestBatch)
  WHERE b.seq <= d.seq
  DELETE b
}
RETURN d.seq AS seq
