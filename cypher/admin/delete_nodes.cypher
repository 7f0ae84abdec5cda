// Wipe, step 2: every node (they have no relationships left), 10,000 per transaction.
MATCH (n)
CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS
