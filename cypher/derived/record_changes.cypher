// The change log that subscriptions follow (trustChanged, badgeChanged): one Change node per
// level change or badge change, numbered by a counter on the (:Clock {id: 'changes'}) node.
// Written in the transaction that made the change; the counter's write lock is held until it
// commits, so numbers become visible in order and a follower reading "seq > n" misses nothing.
MERGE (k:Clock {id: 'changes'})
ON CREATE SET k.seq = 0
SET k.seq = k.seq + size($rows)
WITH k.seq - size($rows) AS base
UNWIND range(0, size($rows) - 1) AS i
WITH base + i + 1 AS seq, $rows[i] AS row
CREATE (c:Change {seq: seq})
SET c += row
