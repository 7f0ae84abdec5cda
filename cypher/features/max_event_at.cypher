// The time of the latest recorded event (epoch ms), or null: the default as-of of
// `trustgraph rescore` and the time incremental scoring evaluates at. Read from the clock the
// ingest transaction keeps (ingest/advance_clock). A graph written before the clock existed
// has none; Store.latest_event_at then falls back to features/max_event_at_scan.
OPTIONAL MATCH (c:Clock {id: 'events'})
RETURN c.at AS at
