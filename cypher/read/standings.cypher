// Shops or hosts with their stored standing, by "KIND:id" (Standing ids; see derived/write_*_standing).
// One row per id that names an existing shop or host, in any order (callers key by id): the
// entity's public facts and the Standing's properties (null before its first scoring). Every
// look-up is a unique-index seek (the Standing by id, the shop or the host by id).
UNWIND $ids AS sid
WITH sid, split(sid, ':')[0] AS kind, substring(sid, size(split(sid, ':')[0]) + 1) AS id
OPTIONAL MATCH (s:Shop {id: id}) WHERE kind = 'SHOP'
OPTIONAL MATCH (h:Host {id: id}) WHERE kind = 'HOST'
WITH sid, kind, coalesce(s, h) AS x
WHERE x IS NOT NULL
OPTIONAL MATCH (x)-[:IN_CATEGORY]->(c:Category)
OPTIONAL MATCH (st:Standing {id: sid})
RETURN sid AS id, kind, x.id AS entityId, x.name AS name, c.id AS category, x.registeredAt AS registeredAt,
       x.rights AS rights, properties(st) AS standing
