// The Spark rebuild (graph_api/spark): the ring marks of `trustgraph rings --apply`, which are
// research state kept on the Buyer nodes, not facts of the event log. Rows: one per marked buyer.
MATCH (b:Buyer)
WHERE b.ringId IS NOT NULL
RETURN b.id AS buyerId, b.ringId AS ringId, b.ringTargets AS ringTargets
