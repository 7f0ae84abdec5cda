// host_facts without its orders and buyers: the full rebuild (graph_api.derive.windows) has
// every order of the window and every buyer's new weight and levels in hand from its buyer pass,
// and reads only the rest of each host's record here (the same fields, the same rules; keep the
// two files in step). ONE record per host, as of $asOf; shop_profile is its twin.
UNWIND $ids AS id
MATCH (x:Host {id: id})
CALL (x) {
  MATCH (p:Penalty)-[:PENALIZES]->(x)
  WHERE $violationSince < p.at <= $asOf
  RETURN collect([p.at, p.severity, p.code]) AS penalties
}
CALL (x) {
  MATCH (rep:FalseAdReport)-[:AGAINST]->(x)
  WHERE rep.confirmedAt IS NOT NULL AND rep.confirmedAt <= $asOf
  RETURN collect(rep.confirmedAt) AS reports
}
OPTIONAL MATCH (x)-[:IN_CATEGORY]->(cat:Category)
OPTIONAL MATCH (st:Standing {id: 'HOST:' + x.id})
RETURN x.id AS id, cat.id AS category, x.registeredAt AS registeredAt, [] AS orders, [] AS buyers,
       penalties, reports, [] AS rights,
       CASE WHEN st IS NULL THEN null ELSE [st.asOf, st.state, st.previousState] END AS standing
