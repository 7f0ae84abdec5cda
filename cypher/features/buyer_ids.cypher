// One page of buyer ids, in id order (keyset paging: pass the last id of the previous page as
// $after, '' for the first page). Served by the buyer_id uniqueness constraint's index.
MATCH (b:Buyer)
WHERE b.id > $after
RETURN b.id AS id
ORDER BY b.id
LIMIT $limit
