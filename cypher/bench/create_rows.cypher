// The ceiling for writes into Neo4j, for the ingestion benchmark: one plain node per row,
// no look-ups, no relationships, no checks.
UNWIND $rows AS row
CREATE (r:BenchRow)
SET r = row
