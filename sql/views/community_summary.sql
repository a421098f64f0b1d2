-- One line per community: how much we hold, how it feels lately, and how its last run went.
CREATE OR REPLACE VIEW community_summary AS
WITH last_run AS (
    SELECT * FROM runs QUALIFY row_number() OVER (PARTITION BY community ORDER BY started_at DESC) = 1
)
SELECT c.name AS community, c.kind, c.segment, c.location,
       count(p.post_id) FILTER (WHERE p.kind = 'post') AS posts,
       count(p.post_id) FILTER (WHERE p.kind = 'comment') AS comments,
       round(avg(p.compound), 3) AS mean_compound,
       round(avg(p.compound) FILTER (WHERE p.published_at >= current_date - INTERVAL 7 DAY), 3) AS last_7d_compound,
       max(p.published_at) AS newest,
       any_value(r.status) AS last_status, any_value(r.finished_at) AS last_run_at, any_value(r.error) AS last_error
FROM communities c
LEFT JOIN scored_posts p ON p.community = c.name
LEFT JOIN last_run r ON r.community = c.name
GROUP BY ALL
HAVING c.segment <> 'ad hoc' OR count(p.post_id) > 0  -- an ad-hoc scan that left nothing is not worth a line
ORDER BY c.segment, c.name;
