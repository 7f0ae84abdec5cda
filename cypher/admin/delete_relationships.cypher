// Wipe, step 1: every relationship, 10,000 per transaction. Relationships go first because
// deleting a dense node (a popular host) with DETACH would pull all its relationships into
// one transaction and exceed the memory pool. Must run in an auto-commit transaction.
MATCH ()-[r]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS
