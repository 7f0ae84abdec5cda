// What a deriver's window cache (graph_api.derive.windows.WindowCache) is valid against: the TRUST
// counter (every buyer pass that writes pair trust moves it, and so do ring marks) and the
// standings' revision counter (every standing write), each with its epoch (an emptied graph
// starts them again). Read first and last in each of the deriver's write transactions: when the
// first reading is not the last one of its previous transaction, another process (a rebuild, ring
// marks, another deriver) wrote derived state in between, and the cache is dropped.
OPTIONAL MATCH (t:Clock {id: 'trust'})
OPTIONAL MATCH (c:Clock {id: 'cards'})
RETURN [toString(t.seq), t.epoch, toString(c.seq), c.epoch] AS generation
