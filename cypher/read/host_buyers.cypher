// A host's buyers (TRUST toward it), optionally of one level, a page at a time in buyer-id order
// (keyset: $after is the last id of the previous page, '' for the first), with the total.
MATCH (h:Host {id: $hostId})
CALL (h) {
  MATCH (:Buyer)-[t:TRUST]->(h)
  WHERE $level IS NULL OR t.level = $level
  RETURN count(t) AS total
}
CALL (h) {
  MATCH (b:Buyer)-[t:TRUST]->(h)
  WHERE ($level IS NULL OR t.level = $level) AND b.id > $after
  WITH b, t ORDER BY b.id LIMIT $limit
  RETURN collect([b.id, t.level, t.score, t.confidence, t.asOf]) AS page
}
RETURN total, page
