// Before applying a new ring detection: forget the previous one. (Run as an UNWIND write with one
// empty row, like the other derived writes.)
UNWIND $rows AS _
MATCH (b:Buyer)
WHERE b.ringId IS NOT NULL
REMOVE b.ringId, b.ringTargets
