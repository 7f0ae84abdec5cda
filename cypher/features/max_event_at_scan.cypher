// The latest Event.at by a scan of the event log: only for graphs written before the Clock
// node existed (see features/max_event_at). A separate query on purpose: folding it into the
// clock read as a conditional subquery was planned wrongly by Neo4j 5.26 when an index on
// Event(at) exists (the clock's value came back null).
MATCH (e:Event)
RETURN max(e.at) AS at
