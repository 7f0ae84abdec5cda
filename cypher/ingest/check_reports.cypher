// Which of these false-advertising report ids the graph knows.
UNWIND $ids AS id
MATCH (r:FalseAdReport {id: id})
RETURN r.id AS id
