// After `rings --apply`: the buyers marked as ring or lockstep-group members, and how many of
// them weigh more than the ring cap $cap now (the next rescore caps them).
MATCH (b:Buyer) WHERE b.ringId IS NOT NULL
RETURN count(b) AS marked, count(CASE WHEN coalesce(b.weight, 1.0) > $cap THEN 1 END) AS above
