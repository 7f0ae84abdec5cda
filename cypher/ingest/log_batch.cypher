// The ingest log (issue 12): one IngestBatch node per committed batch, numbered by a counter on
// the (:Clock {id: 'ingest'}) node, written last in the batch's own transaction. The counter's
// write lock is held until the transaction commits, so positions become visible in order and a
// deriver reading "seq > n" misses nothing. The node keeps what the batch named directly; the
// deriver expands it through the graph (an order's buyer, shop and host) when it derives.
MERGE (k:Clock {id: 'ingest'})
ON CREATE SET k.seq = 0
SET k.seq = k.seq + 1
CREATE (b:IngestBatch {seq: k.seq})
SET b.buyers = $buyers, b.hosts = $hosts, b.shops = $shops, b.orderIds = $orderIds,
    b.reportIds = $reportIds, b.rightsShops = $rightsShops, b.events = $events
RETURN k.seq AS seq
