// The derived state of some buyers as it is now, for incremental scoring to see what changed:
// the stored weight, credibilities, shop and host counts and, per TRUST relationship, [target label, target id, level].
UNWIND $ids AS id
MATCH (b:Buyer {id: id})
RETURN b.id AS buyerId, b.weight AS weight, b.credibility AS credibility,
       b.targetCredibility AS targetCredibility,
       b.shopCount AS shops, b.hostCount AS hosts,
       COLLECT { MATCH (b)-[t:TRUST]->(x) RETURN [CASE WHEN x:Host THEN 'HOST' ELSE 'SHOP' END, x.id, t.level] } AS trust
