// Fan-club tier (0 means the buyer left). Every change is kept (TIER_CHANGE) for "as of";
// FAN_OF holds the latest tier by `at` and when the buyer first joined.
UNWIND $rows AS row
MERGE (b:Buyer {id: row.buyerId})
MERGE (h:Host {id: row.hostId})
CREATE (b)-[:TIER_CHANGE {at: row.at, tier: row.tier}]->(h)
MERGE (b)-[m:FAN_OF]->(h)
SET m.joinedAt = CASE
      WHEN row.tier = 0 THEN m.joinedAt
      WHEN m.joinedAt IS NULL OR row.at < m.joinedAt THEN row.at
      ELSE m.joinedAt END
WITH m, row WHERE m.at IS NULL OR row.at >= m.at
SET m.tier = row.tier, m.at = row.at
