// Registration fills in a host that an earlier reference may have created. Name and category
// follow the latest registration (by `at`), whatever order the events arrive in.
UNWIND $rows AS row
MERGE (h:Host {id: row.hostId})
WITH h, row, h.profileAt IS NULL OR row.at >= h.profileAt AS newer
SET h.registeredAt = CASE WHEN h.registeredAt IS NULL OR row.at < h.registeredAt THEN row.at ELSE h.registeredAt END
FOREACH (_ IN CASE WHEN newer THEN [1] ELSE [] END |
  SET h.profileAt = row.at, h.name = coalesce(row.name, h.name))
WITH h, row, newer WHERE newer AND row.category IS NOT NULL
MERGE (c:Category {id: row.category})
WITH h, c
OPTIONAL MATCH (h)-[old:IN_CATEGORY]->(other:Category) WHERE other <> c
DELETE old
MERGE (h)-[:IN_CATEGORY]->(c)
