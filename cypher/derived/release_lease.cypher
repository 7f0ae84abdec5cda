// Give the lease up at a clean stop, so another process takes over at once.
MATCH (l:Lease {id: $lease, holder: $holder})
SET l.until = 0
