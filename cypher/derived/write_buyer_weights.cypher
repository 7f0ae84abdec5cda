// Derived state: each scored buyer's anti-gaming weight (scoring.buyer_weight) and the signals
// behind it, the credibility of its claims (null: its weight), of its claims against its ring's
// targets (null: as credibility), a group member's own weight before the group's cap (null: not
// capped; the group detectors read it, research/detection_accounts) and how many shops and hosts
// it bought from; shop and host metrics read them from here. derivedAt: when it was computed.
UNWIND $rows AS row
MATCH (b:Buyer {id: row.buyerId})
SET b.weight = row.weight,
    b.weightSignals = row.signals,
    b.weightReasons = row.reasons,
    b.credibility = row.credibility,
    b.targetCredibility = row.targetCredibility,
    b.ownWeight = row.ownWeight,
    b.shopCount = row.shops,
    b.hostCount = row.hosts,
    b.derivedAt = row.asOf
