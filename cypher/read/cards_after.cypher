// The standings rewritten after revision $after, oldest first, at most $limit: what a badge-card
// cache must drop (graph_api.usecases.cards). Index-backed range on Standing.rev.
MATCH (st:Standing)
WHERE st.rev > $after
RETURN st.id AS id, st.rev AS rev
ORDER BY st.rev
LIMIT $limit
