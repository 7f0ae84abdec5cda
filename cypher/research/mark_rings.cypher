// Mark the members of detected rings (scoring caps their weight at rings.member_weight; see
// graph_api/derive/buyers.py). Rows: {buyerId, ringId}.
UNWIND $rows AS row
MATCH (b:Buyer {id: row.buyerId})
SET b.ringId = row.ringId
