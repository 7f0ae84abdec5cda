// Registration fills in a shop that an earlier reference may have created. Name and category
// follow the latest registration (by `at`), whatever order the events arrive in.
UNWIND $rows AS row
MERGE (s:Shop {id: row.shopId})
WITH s, row, s.profileAt IS NULL OR row.at >= s.profileAt AS newer
SET s.registeredAt = CASE WHEN s.registeredAt IS NULL OR row.at < s.registeredAt THEN row.at ELSE s.registeredAt END
FOREACH (_ IN CASE WHEN newer THEN [1] ELSE [] END |
  SET s.profileAt = row.at, s.name = coalesce(row.name, s.name))
WITH s, row, newer WHERE newer AND row.category IS NOT NULL
MERGE (c:Category {id: row.category})
WITH s, c
OPTIONAL MATCH (s)-[old:IN_CATEGORY]->(other:Category) WHERE other <> c
DELETE old
MERGE (s)-[:IN_CATEGORY]->(c)
