// Which of these event ids were already recorded, and with what content hash. One row of two
// lists, not a row per event: the driver pays per record, and a replayed batch finds them all.
UNWIND $ids AS id
MATCH (e:Event {id: id})
RETURN collect(e.id) AS ids, collect(e.hash) AS hashes
