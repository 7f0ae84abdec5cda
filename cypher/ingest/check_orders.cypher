// Which of these order ids the graph knows.
UNWIND $ids AS id
MATCH (o:Order {id: id})
RETURN o.id AS id
