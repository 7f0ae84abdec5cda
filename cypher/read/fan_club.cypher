// A host's fan club: current members (FAN_OF with tier >= 1, at least $minTier), a page at a
// time in buyer-id order (keyset on $after), with the total.
MATCH (h:Host {id: $hostId})
CALL (h) {
  MATCH (:Buyer)-[m:FAN_OF]->(h)
  WHERE m.tier >= $minTier AND m.tier >= 1
  RETURN count(m) AS total
}
CALL (h) {
  MATCH (b:Buyer)-[m:FAN_OF]->(h)
  WHERE m.tier >= $minTier AND m.tier >= 1 AND b.id > $after
  WITH b, m ORDER BY b.id LIMIT $limit
  RETURN collect([b.id, m.tier, m.joinedAt, m.at]) AS page
}
RETURN total, page
