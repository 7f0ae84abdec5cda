// The time of the latest recorded event (epoch ms), or null on an empty graph: the default
// as-of of `trustgraph rescore`, so that two runs on the same graph give the same result.
// A scan of the Event nodes (no index on Event.at: every index costs every ingestion write).
MATCH (e:Event)
RETURN max(e.at) AS at
