// What a rescore may change, read before and after it (graph_api.derive.snapshot): TRUST
// relationships by target kind and level, and buyers weighed below 1. One pass over the TRUST
// relationships (a second or so per million).
CALL () {
  MATCH (:Buyer)-[t:TRUST]->(x)
  WITH CASE WHEN x:Host THEN 'HOST' ELSE 'SHOP' END + ':' + t.level AS key, count(*) AS n
  RETURN collect([key, n]) AS levels
}
CALL () {
  MATCH (b:Buyer) WHERE b.weight < 1.0
  RETURN count(b) AS reweighted
}
RETURN levels, reweighted
