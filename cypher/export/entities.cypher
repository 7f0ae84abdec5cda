// Export: every host and shop (of $category, or all when null) with its public facts and stored
// standing, and the shops each host sells for.
CALL () {
  MATCH (h:Host)
  WHERE $category IS NULL OR EXISTS { (h)-[:IN_CATEGORY]->(:Category {id: $category}) }
  OPTIONAL MATCH (h)-[:IN_CATEGORY]->(c:Category)
  OPTIONAL MATCH (st:Standing {id: 'HOST:' + h.id})
  RETURN 'HOST' AS kind, h.id AS id, h.name AS name, c.id AS category, null AS rights, st.badges AS badges,
         st.tier AS tier, st.multiplier AS multiplier, COLLECT { MATCH (h)-[:SELLS_FOR]->(s:Shop) RETURN s.id } AS sellsFor
  UNION ALL
  MATCH (s:Shop)
  WHERE $category IS NULL OR EXISTS { (s)-[:IN_CATEGORY]->(:Category {id: $category}) }
  OPTIONAL MATCH (s)-[:IN_CATEGORY]->(c:Category)
  OPTIONAL MATCH (st:Standing {id: 'SHOP:' + s.id})
  RETURN 'SHOP' AS kind, s.id AS id, s.name AS name, c.id AS category, s.rights AS rights, st.badges AS badges,
         st.tier AS tier, st.multiplier AS multiplier, [] AS sellsFor
}
RETURN kind, id, name, category, rights, badges, tier, multiplier, sellsFor
ORDER BY kind, id
