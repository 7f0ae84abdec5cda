// Incremental scoring: take the write lock of each touched shop's and host's Standing (ids like
// "SHOP:s1", sorted by the caller) before reading the facts it is computed from.
UNWIND $ids AS id
MERGE (st:Standing {id: id})
SET st.lockedAt = $asOf
