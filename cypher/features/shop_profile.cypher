// shop_facts without its orders and buyers: the full rebuild (graph_api.derive.windows) has
// every order of the window and every buyer's new weight and levels in hand from its buyer pass,
// and reads only the rest of each shop's record here (the same fields, the same rules; keep the
// two files in step). ONE record per shop, as of $asOf; host_profile is its twin.
UNWIND $ids AS id
MATCH (x:Shop {id: id})
CALL (x) {
  MATCH (p:Penalty)-[:PENALIZES]->(x)
  WHERE $violationSince < p.at <= $asOf
  RETURN collect([p.at, p.severity, p.code]) AS penalties
}
CALL (x) {
  OPTIONAL MATCH (rc:RightsChange)-[:CHANGES_RIGHTS_OF]->(x)
  WHERE rc.at <= $asOf
  WITH x, rc ORDER BY rc.at DESC, rc.id DESC LIMIT 1
  RETURN CASE
           WHEN x.rightsAt IS NOT NULL AND x.rightsAt <= $asOf THEN x.rights
           ELSE coalesce(rc.rights, []) END AS rights
}
OPTIONAL MATCH (x)-[:IN_CATEGORY]->(cat:Category)
OPTIONAL MATCH (st:Standing {id: 'SHOP:' + x.id})
RETURN x.id AS id, cat.id AS category, x.registeredAt AS registeredAt, [] AS orders, [] AS buyers,
       penalties, [] AS reports, rights,
       CASE WHEN st IS NULL THEN null ELSE [st.asOf, st.state, st.previousState] END AS standing
