// Which of these order ids the graph knows (one row with a list; see check_events).
UNWIND $ids AS id
MATCH (o:Order {id: id})
RETURN collect(o.id) AS ids
