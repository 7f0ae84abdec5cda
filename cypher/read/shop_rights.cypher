// The trust rights of some shops as of $asOf (the same rule as features/pair_facts): for the
// platform trust of a buyer who never ordered from the shop. Unknown shops are left out.
UNWIND $ids AS id
MATCH (s:Shop {id: id})
CALL (s) {
  OPTIONAL MATCH (rc:RightsChange)-[:CHANGES_RIGHTS_OF]->(s)
  WHERE rc.at <= $asOf
  WITH s, rc ORDER BY rc.at DESC, rc.id DESC LIMIT 1
  RETURN CASE
           WHEN s.rightsAt IS NOT NULL AND s.rightsAt <= $asOf THEN s.rights
           ELSE coalesce(rc.rights, []) END AS rights
}
RETURN s.id AS id, rights
