// The Spark rebuild (graph_api/spark): what each Standing node holds of its last evaluation,
// which badge hysteresis starts from (graph_api/derive/standing.py), the same three values as
// the `standing` of features/shop_facts and host_facts.
MATCH (st:Standing)
RETURN st.id AS id, st.asOf AS asOf, st.state AS state, st.previousState AS previousState
