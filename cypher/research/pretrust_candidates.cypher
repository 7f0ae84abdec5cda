// Every shop and host with a stored standing: its metrics (inside the explanation JSON) and its
// registration time, from which scoring/propagation.is_pretrusted picks the pre-trusted set.
MATCH (st:Standing)-[:STANDING_OF]->(x)
RETURN st.kind AS kind, st.entityId AS id, st.explanation AS explanation, x.registeredAt AS registeredAt
ORDER BY kind, id
