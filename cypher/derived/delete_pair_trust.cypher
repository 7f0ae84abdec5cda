// Full rebuild, step 1: remove every TRUST relationship, 10,000 per transaction, so the
// rebuild starts from nothing and its result depends only on the facts and the as-of.
// Must run in an auto-commit transaction (CALL { } IN TRANSACTIONS).
MATCH ()-[t:TRUST]->()
CALL (t) { DELETE t } IN TRANSACTIONS OF 10000 ROWS
