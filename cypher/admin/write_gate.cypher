// The first statement of every managed write transaction (Store.transact), in every process: the
// write lock of the graph's clock node, held until the transaction ends. Ingestion, derivation
// (a deriver process beside the service's workers), rescores and research writes lock buyers,
// shops and hosts in orders that differ (an ingest MERGEs a shop before its buyer, a derivation
// locks buyers first); one lock taken first by all of them means they wait for each other instead
// of deadlocking. `SET c.at = c.at` changes nothing but takes the lock; on an empty graph there is
// no clock yet, and nothing to deadlock on.
OPTIONAL MATCH (c:Clock {id: 'events'})
SET c.at = c.at
