// Where the badge cards' revisions stand (derived/write_*_standing): the newest revision and the
// counter's epoch (null before the first standing is written, or after the graph was emptied).
OPTIONAL MATCH (k:Clock {id: 'cards'})
RETURN coalesce(k.seq, 0) AS seq, k.epoch AS epoch
