// The hosts that sell for a shop (SELLS_FOR), by host id.
MATCH (h:Host)-[:SELLS_FOR]->(:Shop {id: $shopId})
RETURN h.id AS id ORDER BY id
