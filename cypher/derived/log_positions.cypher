// How far ingestion and derivation have come: the newest logged batch, and the newest batch
// whose effects derived state includes (both 0 on a new graph).
OPTIONAL MATCH (i:Clock {id: 'ingest'})
OPTIONAL MATCH (d:Clock {id: 'derived'})
RETURN coalesce(i.seq, 0) AS ingested, coalesce(d.seq, 0) AS derived
