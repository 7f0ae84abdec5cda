// Registration fills in a host that an earlier reference may have created. Name and category
// follow the latest registration (by `at`; ties: the last logged), whatever order the events
// arrive in: of the registrations not older than the stored profile, the latest names it and the
// latest that gives a category categorises it (a registration without one keeps the category).
// A batch's registrations of one host are reduced to one row first: Cypher reads every row's
// node before the writes, so row-by-row updates would all start from the state before the batch
// (and leave one IN_CATEGORY per registration). host_registered and its twin are the same query.
UNWIND $rows AS row
WITH row.hostId AS id, collect(row) AS regs
MERGE (h:Host {id: id})
WITH h, regs, [r IN regs WHERE h.profileAt IS NULL OR r.at >= h.profileAt] AS newer
WITH h, newer,
     reduce(m = null, r IN regs | CASE WHEN m IS NULL OR r.at < m THEN r.at ELSE m END) AS firstAt,
     reduce(l = null, r IN newer | CASE WHEN l IS NULL OR r.at >= l.at THEN r ELSE l END) AS latest,
     reduce(l = null, r IN newer |
       CASE WHEN r.name IS NOT NULL AND (l IS NULL OR r.at >= l.at) THEN r ELSE l END) AS named,
     reduce(l = null, r IN newer |
       CASE WHEN r.category IS NOT NULL AND (l IS NULL OR r.at >= l.at) THEN r ELSE l END) AS categorised
SET h.registeredAt = CASE WHEN h.registeredAt IS NULL OR firstAt < h.registeredAt THEN firstAt ELSE h.registeredAt END
FOREACH (_ IN CASE WHEN latest IS NULL THEN [] ELSE [1] END | SET h.profileAt = latest.at)
FOREACH (_ IN CASE WHEN named IS NULL THEN [] ELSE [1] END | SET h.name = named.name)
WITH h, categorised WHERE categorised IS NOT NULL
MERGE (c:Category {id: categorised.category})
WITH h, c
OPTIONAL MATCH (h)-[old:IN_CATEGORY]->(other:Category) WHERE other <> c
DELETE old
MERGE (h)-[:IN_CATEGORY]->(c)
