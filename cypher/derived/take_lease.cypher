// The deriver's lease: one process at a time derives rounds (several service workers, replicas,
// `trustgraph derive --follow`). Taken when free, expired or already ours, renewed by every
// transaction of a round (derived/hold_lease); times are the database server's, so the
// processes' clocks do not matter. The write lock is taken before the holder is read (the SET
// of `fence`), so two processes cannot both see it free.
MERGE (l:Lease {id: $lease})
ON CREATE SET l.holder = $holder, l.until = 0
SET l.fence = coalesce(l.fence, 0) + 1
WITH l
WHERE l.holder = $holder OR l.until < timestamp()
SET l.holder = $holder, l.until = timestamp() + $ttlMs
RETURN l.holder AS holder
