// Derived state: each scored buyer's anti-gaming weight (scoring.buyer_weight) and the signals
// behind it; shop and host metrics read the weight from here. derivedAt: when it was computed.
UNWIND $rows AS row
MATCH (b:Buyer {id: row.buyerId})
SET b.weight = row.weight,
    b.weightSignals = row.signals,
    b.weightReasons = row.reasons,
    b.derivedAt = row.asOf
