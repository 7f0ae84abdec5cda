// Trust propagation's input: the stored TRUST relationships of some buyers (a page of ids from
// features/buyer_ids), with what local trust is made of (belief, disbelief, the buyer's weight).
UNWIND $ids AS id
MATCH (b:Buyer {id: id})-[t:TRUST]->(x)
RETURN b.id AS buyer, CASE WHEN x:Host THEN 'HOST' ELSE 'SHOP' END AS kind, x.id AS target,
       t.belief AS belief, t.disbelief AS disbelief, coalesce(b.weight, 1.0) AS weight
