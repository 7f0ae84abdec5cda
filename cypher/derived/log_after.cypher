// The logged batches after the derived position, oldest first, at most $limit of them.
MATCH (b:IngestBatch)
WHERE b.seq > $after
RETURN b.seq AS seq, b.buyers AS buyers, b.hosts AS hosts, b.shops AS shops,
       b.orderIds AS orderIds, b.reportIds AS reportIds, b.rightsShops AS rightsShops
ORDER BY b.seq
LIMIT $limit
