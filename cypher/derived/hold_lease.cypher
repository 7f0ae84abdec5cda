// The fence of every write transaction of a deriver's round: still the lease's holder? Then
// renew it. The Lease node's write lock is taken first (the SET of `fence`), so the holder read
// after it is the latest committed one and no other process can take the lease until this
// transaction ends; once the lease has passed on, the old holder's next transaction finds no
// row and its round stops before it writes anything.
MATCH (l:Lease {id: $lease})
SET l.fence = coalesce(l.fence, 0) + 1
WITH l
WHERE l.holder = $holder
SET l.until = timestamp() + $ttlMs
RETURN l.holder AS holder
