// One page of host ids in id order (keyset paging, like features/buyer_ids).
MATCH (x:Host)
WHERE x.id > $after
RETURN x.id AS id
ORDER BY x.id
LIMIT $limit
