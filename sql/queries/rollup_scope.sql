-- The communities store.refresh_rollups re-aggregates: $communities, or (NULL) every one stored or rolled up.
CREATE OR REPLACE TEMP TABLE rollup_scope AS
SELECT DISTINCT unnest(CAST($communities AS VARCHAR[])) AS community
UNION
SELECT community FROM (SELECT community FROM posts UNION SELECT community FROM rollup_days UNION
                       SELECT community FROM rollup_threads)
WHERE $communities IS NULL;
