// Derived state: each scored buyer's anti-gaming weight (scoring.buyer_weight) and the signals
// behind it, and the credibility of its claims (null: its weight); shop and host metrics read
// both from here. derivedAt: when it was computed.
UNWIND $rows AS row
MATCH (b:Buyer {id: row.buyerId})
SET b.weight = row.weight,
    b.weightSignals = row.signals,
    b.weightReasons = row.reasons,
    b.credibility = row.credibility,
    b.derivedAt = row.asOf
