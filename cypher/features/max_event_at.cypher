// The time of the latest recorded event (epoch ms), or null on an empty graph: the default
// as-of of `trustgraph rescore` and the time incremental scoring evaluates at. Read from the
// clock the ingest transaction keeps (ingest/advance_clock); a graph written before the clock
// existed falls back to a scan of the Event nodes (the subquery scans only then).
OPTIONAL MATCH (c:Clock {id: 'events'})
CALL (c) {
  WITH c WHERE c IS NULL OR c.at IS NULL
  MATCH (e:Event)
  RETURN max(e.at) AS scanned
}
RETURN coalesce(c.at, scanned) AS at
