// The platform confirmed a report; the earliest confirmation is kept.
UNWIND $rows AS row
MATCH (r:FalseAdReport {id: row.reportId})
SET r.confirmedAt = CASE WHEN r.confirmedAt IS NULL OR row.at < r.confirmedAt THEN row.at ELSE r.confirmedAt END
