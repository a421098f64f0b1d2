-- One row per probe: its latest snapshot, and its response curve from the replies' own times as stored (time to
-- first reply, replies within 1 hour, 1 day and 7 days of posting, shown once the thread is that old when last
-- observed) and its reply velocity: replies in the day before the latest snapshot. Replies never count the poster's
-- own.
CREATE OR REPLACE VIEW probe_response AS
WITH ranked AS (
    SELECT *, row_number() OVER (PARTITION BY probe_id ORDER BY observed_at DESC) AS back FROM probe_snapshots
),
root AS (
    SELECT p.probe_id, p.thread_id, r.published_at AS posted_at, r.author AS poster
    FROM probes p JOIN posts r ON r.post_id = p.thread_id
),
timing AS (
    SELECT root.probe_id,
           min(c.published_at) AS first_reply_at,
           count(*) FILTER (WHERE c.published_at <= root.posted_at + INTERVAL 1 HOUR) AS replies_1h,
           count(*) FILTER (WHERE c.published_at <= root.posted_at + INTERVAL 1 DAY) AS replies_1d,
           count(*) FILTER (WHERE c.published_at <= root.posted_at + INTERVAL 7 DAY) AS replies_7d,
           count(*) FILTER (WHERE c.published_at > (SELECT max(observed_at) FROM probe_snapshots s
                                                      WHERE s.probe_id = root.probe_id) - INTERVAL 1 DAY)
               AS replies_last_day
    FROM root
    JOIN posts c ON c.thread_id = root.thread_id AND c.post_id <> root.thread_id AND NOT c.removed
                AND c.author IS DISTINCT FROM root.poster
    GROUP BY root.probe_id
)
SELECT p.probe_id, p.community, p.topic, p.hypothesis, p.url, p.created_at,
       CASE WHEN p.closed_at IS NOT NULL THEN 'closed' WHEN p.observe_until < now() THEN 'ended' ELSE 'open' END
           AS status,
       l.observed_at AS last_observed, l.state, l.note, l.replies, l.repliers, l.depth, l.poster_replies, l.score,
       l.positive, l.neutral, l.negative, l.mean_compound,
       round(epoch(t.first_reply_at - root.posted_at) / 3600, 2) AS hours_to_first_reply,
       CASE WHEN l.observed_at >= root.posted_at + INTERVAL 1 HOUR THEN coalesce(t.replies_1h, 0) END AS replies_1h,
       CASE WHEN l.observed_at >= root.posted_at + INTERVAL 1 DAY THEN coalesce(t.replies_1d, 0) END AS replies_1d,
       CASE WHEN l.observed_at >= root.posted_at + INTERVAL 7 DAY THEN coalesce(t.replies_7d, 0) END AS replies_7d,
       CASE WHEN l.observed_at IS NOT NULL THEN coalesce(t.replies_last_day, 0) END AS replies_last_day,
       l.replies - b.replies AS replies_since_previous,
       (SELECT count(*) FROM probe_snapshots s WHERE s.probe_id = p.probe_id) AS snapshots
FROM probes p
LEFT JOIN ranked l ON l.probe_id = p.probe_id AND l.back = 1
LEFT JOIN ranked b ON b.probe_id = p.probe_id AND b.back = 2 AND b.replies IS NOT NULL
LEFT JOIN root ON root.probe_id = p.probe_id
LEFT JOIN timing t ON t.probe_id = p.probe_id
ORDER BY p.probe_id;
