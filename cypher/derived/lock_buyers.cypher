// Incremental scoring, step 1: take the write lock of each buyer (ids sorted by the caller, so
// two transactions lock in the same order and cannot deadlock) before reading its facts: a
// concurrent batch touching the same buyer waits, then reads facts that include ours.
UNWIND $ids AS id
MATCH (b:Buyer {id: id})
SET b.derivedAt = $asOf
