// The change log after position $after, oldest first, at most $limit (index-backed range on the
// unique Change.seq). See derived/record_changes.
MATCH (c:Change)
WHERE c.seq > $after
RETURN properties(c) AS change
ORDER BY c.seq
LIMIT $limit
