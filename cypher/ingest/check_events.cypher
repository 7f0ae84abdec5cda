// Which of these event ids were already recorded, and with what content hash.
UNWIND $ids AS id
MATCH (e:Event {id: id})
RETURN e.id AS id, e.hash AS hash
