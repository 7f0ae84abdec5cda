// The graph's constraints and indexes. A script, not one query: the loader splits it on ';'.
// Every statement is IF NOT EXISTS, so applying it twice changes nothing.
// Uniqueness constraints also give the index every MERGE/MATCH by id relies on.
CREATE CONSTRAINT buyer_id IF NOT EXISTS FOR (n:Buyer) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT host_id IF NOT EXISTS FOR (n:Host) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT shop_id IF NOT EXISTS FOR (n:Shop) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT category_id IF NOT EXISTS FOR (n:Category) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT order_id IF NOT EXISTS FOR (n:Order) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT review_id IF NOT EXISTS FOR (n:Review) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT complaint_id IF NOT EXISTS FOR (n:Complaint) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT report_id IF NOT EXISTS FOR (n:FalseAdReport) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT penalty_id IF NOT EXISTS FOR (n:Penalty) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT inspection_id IF NOT EXISTS FOR (n:Inspection) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT rights_change_id IF NOT EXISTS FOR (n:RightsChange) REQUIRE n.id IS UNIQUE;
// The event log: one node per accepted event, the key of idempotent ingestion.
CREATE CONSTRAINT event_id IF NOT EXISTS FOR (n:Event) REQUIRE n.id IS UNIQUE;
// Derived state: one Standing node per shop and per host (metrics, badges, boost; id "SHOP:s1"),
// and the clock that incremental scoring evaluates at (id "events": the latest event time).
CREATE CONSTRAINT standing_id IF NOT EXISTS FOR (n:Standing) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT clock_id IF NOT EXISTS FOR (n:Clock) REQUIRE n.id IS UNIQUE;
// The revision of each standing's last write: the badge-card caches read the ones after theirs.
CREATE RANGE INDEX standing_rev IF NOT EXISTS FOR (n:Standing) ON (n.rev);
// The change log of level and badge changes that subscriptions follow, numbered by `seq`.
CREATE CONSTRAINT change_seq IF NOT EXISTS FOR (n:Change) REQUIRE n.seq IS UNIQUE;
// The ingest log the deriver follows (issue 12), numbered by `seq`, and the deriver's lease.
CREATE CONSTRAINT ingest_batch_seq IF NOT EXISTS FOR (n:IngestBatch) REQUIRE n.seq IS UNIQUE;
CREATE CONSTRAINT lease_id IF NOT EXISTS FOR (n:Lease) REQUIRE n.id IS UNIQUE;
// No time-window indexes yet: each index costs every write (measured on ingestion), so the
// scoring and service issues add the ones their queries need, with the PROFILE that shows it.
