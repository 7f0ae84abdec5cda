// The graph's clock: the latest `at` of any accepted event, kept on one node in the ingest
// transaction, so that the time derived state is evaluated at is read in O(1) instead of by a
// scan of every Event. It only moves forward (a late event does not turn it back).
UNWIND $rows AS row
WITH max(row.at) AS at
MERGE (c:Clock {id: 'events'})
SET c.at = CASE WHEN c.at IS NULL OR at > c.at THEN at ELSE c.at END
