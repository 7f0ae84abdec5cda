// Before applying a new ring detection: forget the previous one. (Run as an UNWIND write with one
// empty row, like the other derived writes.)
// Like mark_rings, it moves the TRUST counter: trust scored live changes with the marks.
MERGE (k:Clock {id: 'trust'})
ON CREATE SET k.seq = 0, k.epoch = randomUUID()
SET k.seq = k.seq + 1
WITH k
UNWIND $rows AS _
MATCH (b:Buyer)
WHERE b.ringId IS NOT NULL
REMOVE b.ringId, b.ringTargets
