-- One row per community per run, partitioned by the day the run started.
SELECT *, CAST(started_at AS DATE) AS day FROM runs
