// The position of the newest change (0 when there is none): where a new follower starts.
OPTIONAL MATCH (k:Clock {id: 'changes'})
RETURN coalesce(k.seq, 0) AS seq
