// Shops or hosts with their stored standing, by "KIND:id" (Standing ids; see derived/write_*_standing).
// One row per id that names an existing shop or host, in any order (callers key by id):
// the entity's public facts and the Standing's properties (null before its first scoring).
UNWIND $ids AS sid
WITH sid, split(sid, ':')[0] AS kind, substring(sid, size(split(sid, ':')[0]) + 1) AS id
CALL (kind, id) {
  OPTIONAL MATCH (x:Shop {id: id}) WHERE kind = 'SHOP'
  RETURN x
  UNION
  OPTIONAL MATCH (x:Host {id: id}) WHERE kind = 'HOST'
  RETURN x
}
WITH sid, kind, x WHERE x IS NOT NULL
OPTIONAL MATCH (x)-[:IN_CATEGORY]->(c:Category)
OPTIONAL MATCH (st:Standing {id: sid})
RETURN sid AS id, kind, x.id AS entityId, x.name AS name, c.id AS category, x.registeredAt AS registeredAt,
       x.rights AS rights, properties(st) AS standing
