// Mark the members of detected rings (scoring caps their weight at rings.member_weight; see
// graph_api/derive/buyers.py) with the shops and hosts their group was found at ("SHOP:id",
// "HOST:id"). Rows: {buyerId, ringId, ringTargets}.
UNWIND $rows AS row
MATCH (b:Buyer {id: row.buyerId})
SET b.ringId = row.ringId,
    b.ringTargets = row.ringTargets
