// Export of a neighbourhood: the graph neighbours of some nodes, one hop: a buyer's hosts and
// shops (TRUST or orders), a host's or shop's buyers, and the shops a host sells for (and back). Ids are "KIND:id".
UNWIND $ids AS key
WITH split(key, ':')[0] AS kind, substring(key, size(split(key, ':')[0]) + 1) AS id
CALL (kind, id) {
  OPTIONAL MATCH (b:Buyer {id: id}) WHERE kind = 'BUYER'
  OPTIONAL MATCH (h:Host {id: id}) WHERE kind = 'HOST'
  OPTIONAL MATCH (s:Shop {id: id}) WHERE kind = 'SHOP'
  WITH coalesce(b, h, s) AS n WHERE n IS NOT NULL
  CALL (n) {
    MATCH (n)-[:TRUST]-(m) RETURN m
    UNION
    MATCH (n)-[:SELLS_FOR]-(m) RETURN m
    UNION
    MATCH (n:Buyer)-[:PLACED]->(:Order)-[:HOSTED_BY|FULFILLED_BY]->(m) RETURN m
    UNION
    MATCH (m:Buyer)-[:PLACED]->(:Order)-[:HOSTED_BY|FULFILLED_BY]->(n) RETURN m
  }
  RETURN collect(DISTINCT CASE WHEN m:Buyer THEN 'BUYER' WHEN m:Host THEN 'HOST' ELSE 'SHOP' END + ':' + m.id) AS found
}
UNWIND found AS neighbour
RETURN collect(DISTINCT neighbour) AS ids
