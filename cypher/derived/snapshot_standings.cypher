// What a rescore may change, read before and after it (graph_api.derive.snapshot): every
// shop's and host's badges and tier. One row per Standing node (thousands, not millions).
MATCH (st:Standing)
RETURN st.id AS id, coalesce(st.badges, []) AS badges, st.tier AS tier
