-- One line per community: how much we hold, how it feels lately, and how its last run went.
CREATE OR REPLACE VIEW community_summary AS
WITH last_run AS (
    SELECT * FROM runs QUALIFY row_number() OVER (PARTITION BY community ORDER BY started_at DESC) = 1
),
held AS (
    SELECT community, sum(posts) AS posts, sum(comments) AS comments, sum(texts) AS texts,
           sum(compound_sum) / nullif(sum(texts), 0) AS mean_compound,
           sum(compound_sum) FILTER (WHERE day >= current_date - INTERVAL 7 DAY)
               / nullif(sum(texts) FILTER (WHERE day >= current_date - INTERVAL 7 DAY), 0) AS last_7d_compound,
           max(newest) AS newest
    FROM rollup_days
    GROUP BY community
)
SELECT c.name AS community, c.kind, c.segment, c.location,
       CAST(coalesce(h.posts, 0) AS BIGINT) AS posts, CAST(coalesce(h.comments, 0) AS BIGINT) AS comments,
       round(h.mean_compound, 3) AS mean_compound, round(h.last_7d_compound, 3) AS last_7d_compound, h.newest,
       r.status AS last_status, r.finished_at AS last_run_at, r.error AS last_error
FROM communities c
LEFT JOIN held h ON h.community = c.name
LEFT JOIN last_run r ON r.community = c.name
WHERE c.segment <> 'ad hoc' OR coalesce(h.texts, 0) > 0  -- an ad-hoc scan that left nothing is not worth a line
ORDER BY c.segment, c.name;
