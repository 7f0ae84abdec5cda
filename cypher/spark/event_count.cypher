// The Spark rebuild (graph_api/spark): how many events the graph recorded (the count store
// answers it without a scan), to warn when the log given is not the graph's.
MATCH (e:Event)
RETURN count(e) AS events
