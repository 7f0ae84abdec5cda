// Which of these false-advertising report ids the graph knows (one row with a list).
UNWIND $ids AS id
MATCH (r:FalseAdReport {id: id})
RETURN collect(r.id) AS ids
