// The deriver's lease: one process at a time derives rounds (several service workers, replicas,
// `trustgraph derive --follow`). Taken when free, expired or already ours, renewed by every
// round; times are the database server's, so the processes' clocks do not matter.
MERGE (l:Lease {id: $lease})
ON CREATE SET l.holder = $holder, l.until = 0
WITH l
WHERE l.holder = $holder OR l.until < timestamp()
SET l.holder = $holder, l.until = timestamp() + $ttlMs
RETURN l.holder AS holder
