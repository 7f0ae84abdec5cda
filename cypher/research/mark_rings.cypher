// Mark the members of detected rings (scoring caps their weight at rings.member_weight; see
// graph_api/derive/buyers.py) with the shops and hosts their group was found at ("SHOP:id",
// "HOST:id"). Rows: {buyerId, ringId, ringTargets}.
// Ring marks change the trust scored live from the facts: move the TRUST counter
// (derived/write_host_trust) so that the service processes drop their trust answers.
MERGE (k:Clock {id: 'trust'})
ON CREATE SET k.seq = 0, k.epoch = randomUUID()
SET k.seq = k.seq + 1
WITH k
UNWIND $rows AS row
MATCH (b:Buyer {id: row.buyerId})
SET b.ringId = row.ringId,
    b.ringTargets = row.ringTargets
