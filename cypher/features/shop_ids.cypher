// One page of shop ids in id order (keyset paging, like features/buyer_ids).
MATCH (x:Shop)
WHERE x.id > $after
RETURN x.id AS id
ORDER BY x.id
LIMIT $limit
