// FOLLOWED and UNFOLLOWED. Every change is kept (FOLLOW_CHANGE) so follow age "as of" a past
// date can be computed; FOLLOWS holds the current state: active, since (start of the current
// follow), at (the latest change applied), firstAt (the first follow ever). Rows arrive sorted by `at`; an older event arriving
// late is kept in the history but does not overwrite a newer state.
UNWIND $rows AS row
MERGE (b:Buyer {id: row.buyerId})
MERGE (h:Host {id: row.hostId})
CREATE (b)-[:FOLLOW_CHANGE {at: row.at, active: row.active}]->(h)
MERGE (b)-[f:FOLLOWS]->(h)
SET f.firstAt = CASE WHEN row.active AND (f.firstAt IS NULL OR row.at < f.firstAt) THEN row.at ELSE f.firstAt END
WITH f, row WHERE f.at IS NULL OR row.at >= f.at
SET f.since = CASE
      WHEN NOT row.active THEN null
      WHEN coalesce(f.active, false) THEN f.since
      ELSE row.at END,
    f.active = row.active,
    f.at = row.at
