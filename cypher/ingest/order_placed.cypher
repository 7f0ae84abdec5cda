// A new order: who bought, in whose live room, from which shop. The buyer, host and shop are
// created if this is their first mention; their registration events fill them in later.
// The order's category is a property, not an IN_CATEGORY relationship: a handful of category
// nodes with millions of relationships each would cost every order a write and serve no query.
UNWIND $rows AS row
MERGE (b:Buyer {id: row.buyerId})
MERGE (h:Host {id: row.hostId})
MERGE (s:Shop {id: row.shopId})
CREATE (o:Order {id: row.orderId, amount: row.amount, placedAt: row.at, itemId: row.itemId, category: row.category})
CREATE (b)-[:PLACED]->(o), (o)-[:HOSTED_BY]->(h), (o)-[:FULFILLED_BY]->(s)
