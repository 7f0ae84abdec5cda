// After `neo4j-admin database import full` (the bulk path): an empty CSV field is no property,
// but the transactional import stores an empty list (a shop's rights set to none, an ingest log
// entry that named no report). Put the empty lists back where that import would have them.
CALL {
  MATCH (s:Shop) WHERE s.rightsAt IS NOT NULL AND s.rights IS NULL
  SET s.rights = []
}
CALL {
  MATCH (r:RightsChange) WHERE r.rights IS NULL
  SET r.rights = []
}
CALL {
  MATCH (b:IngestBatch)
  SET b.buyers = coalesce(b.buyers, []), b.hosts = coalesce(b.hosts, []),
      b.shops = coalesce(b.shops, []), b.orderIds = coalesce(b.orderIds, []),
      b.reportIds = coalesce(b.reportIds, []), b.rightsShops = coalesce(b.rightsShops, [])
}
