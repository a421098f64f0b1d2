-- The rows of one run, in RunRow's field order.
SELECT run_id, community, started_at, finished_at, status, fetched, new, updated, missed, requests, error_class, error
FROM runs WHERE run_id = $run_id ORDER BY community;
