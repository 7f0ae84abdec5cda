// Delete up to $limit nodes with their relationships; called until it returns 0 (wipe for tests/seed --reset).
MATCH (n) WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
