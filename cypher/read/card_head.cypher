// What the service processes' read caches follow (graph_api.usecases.cards), in one look:
//   seq, epoch: where the badge cards' revisions stand (derived/write_*_standing): the newest
//               revision and the counter's epoch (null before the first standing is written, or
//               after the graph was emptied)
//   reads:      what answers built from trust depend on: the counter of TRUST writes
//               (derived/write_*_trust, with its epoch), the counter of accepted batches
//               (ingest/log_batch) and the graph's clock (ingest/advance_clock); any move
//               drops them
OPTIONAL MATCH (k:Clock {id: 'cards'})
OPTIONAL MATCH (t:Clock {id: 'trust'})
OPTIONAL MATCH (i:Clock {id: 'ingest'})
OPTIONAL MATCH (e:Clock {id: 'events'})
RETURN coalesce(k.seq, 0) AS seq, k.epoch AS epoch,
       [t.seq, t.epoch, i.seq, e.at] AS reads
