// Delete every node with its relationships, in transactions of 10,000 so that a large graph
// never has to fit in one transaction's memory. Must run in an auto-commit transaction.
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
