-- Report: what was fetched in the window, per community, so a dip is not mistaken for a change of mood: runs by
-- status, the last run's status and note, and the texts published in the window (scored English, other languages).
WITH picked_communities AS (
    SELECT name AS community, segment FROM communities
    WHERE picked(name, segment, NULL, NULL, $community, $segment, NULL, NULL)
),
run_counts AS (
    SELECT community, count(*) AS runs,
           count(*) FILTER (WHERE status IN ('ok', 'warning')) AS fetched_runs,
           count(*) FILTER (WHERE status = 'failed') AS failed_runs,
           count(*) FILTER (WHERE status IN ('skipped', 'interrupted')) AS skipped_runs,
           count(*) FILTER (WHERE status = 'warning') AS partial_runs,
           arg_max(status, started_at) AS last_status, arg_max(error, started_at) AS last_note,
           max(started_at) AS last_run
    FROM runs
    WHERE picked(NULL, NULL, started_at, started_at, NULL, NULL, $since, $until)
    GROUP BY community
),
texts AS (
    SELECT community, count(*) FILTER (WHERE lang IS NULL OR lang = 'en') AS english_texts,
           count(*) FILTER (WHERE lang <> 'en') AS other_language
    FROM posts
    WHERE NOT removed AND picked(NULL, NULL, published_at, published_at, NULL, NULL, $since, $until)
    GROUP BY community
)
SELECT c.segment, c.community, coalesce(r.runs, 0) AS runs, coalesce(r.fetched_runs, 0) AS fetched_runs,
       coalesce(r.partial_runs, 0) AS partial_runs, coalesce(r.failed_runs, 0) AS failed_runs,
       coalesce(r.skipped_runs, 0) AS skipped_runs, r.last_status, r.last_run, r.last_note,
       coalesce(t.english_texts, 0) AS english_texts, coalesce(t.other_language, 0) AS other_language
FROM picked_communities c
LEFT JOIN run_counts r USING (community)
LEFT JOIN texts t USING (community)
WHERE c.segment <> 'ad hoc' OR t.english_texts > 0
ORDER BY c.segment, c.community;
