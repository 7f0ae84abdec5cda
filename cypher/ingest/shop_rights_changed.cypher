// The full current set of a shop's trust rights. Every change is kept (RightsChange nodes) so
// that the rights "as of" a past date can be read; the shop carries the latest set by `at`.
UNWIND $rows AS row
MERGE (s:Shop {id: row.shopId})
CREATE (rc:RightsChange {id: row.eventId, at: row.at, rights: row.rights})-[:CHANGES_RIGHTS_OF]->(s)
WITH s, row WHERE s.rightsAt IS NULL OR row.at >= s.rightsAt
SET s.rights = row.rights, s.rightsAt = row.at
