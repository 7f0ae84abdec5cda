// The funnel's view of every host and shop: its category and, for shops, the history of its trust
// rights as [[at, rights], ...] (each SHOP_RIGHTS_CHANGED gives the full set from then on), so
// that a pair's conversion can be grouped by the rights the shop held when the pair began.
CALL () {
  MATCH (h:Host)
  OPTIONAL MATCH (h)-[:IN_CATEGORY]->(c:Category)
  RETURN 'HOST' AS kind, h.id AS id, c.id AS category, [] AS rights
  UNION ALL
  MATCH (s:Shop)
  OPTIONAL MATCH (s)-[:IN_CATEGORY]->(c:Category)
  RETURN 'SHOP' AS kind, s.id AS id, c.id AS category,
         COLLECT { MATCH (rc:RightsChange)-[:CHANGES_RIGHTS_OF]->(s) RETURN [rc.at, rc.rights, rc.id] } AS rights
}
RETURN kind, id, category, rights
ORDER BY kind, id
