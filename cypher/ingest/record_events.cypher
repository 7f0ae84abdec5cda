// The event log: one node per accepted event. Its uniqueness constraint is what makes a
// concurrent replay fail (and be retried as a duplicate) instead of being applied twice.
UNWIND $rows AS row
CREATE (:Event {id: row.eventId, type: row.type, at: row.at, hash: row.hash})
