-- One snapshot of probe $probe_id's thread $thread_id as stored right now, in state $state ($note), at $now.
-- Replies, repliers and their sentiment count others only; the poster's own replies are counted apart. A thread
-- that could not be read ($counted false) gets NULL counts, never a false 0.
INSERT INTO probe_snapshots
WITH thread AS (
    SELECT p.post_id, p.author, p.depth, p.score, p.published_at, s.compound, s.label
    FROM posts p LEFT JOIN post_sentiment s USING (post_id)
    WHERE p.thread_id = $thread_id AND NOT p.removed
),
root AS (SELECT any_value(author) AS author, any_value(score) AS score FROM thread WHERE post_id = $thread_id),
replies AS (SELECT t.*, t.author IS NOT DISTINCT FROM r.author AS by_poster FROM thread t, root r
            WHERE t.post_id <> $thread_id)
SELECT $probe_id, $now, $state, $note,
       CASE WHEN $counted THEN count(*) FILTER (WHERE NOT by_poster) END,
       CASE WHEN $counted THEN count(DISTINCT author) FILTER (WHERE NOT by_poster) END,
       CASE WHEN $counted THEN coalesce(max(depth) FILTER (WHERE NOT by_poster), 0) END,
       CASE WHEN $counted THEN count(*) FILTER (WHERE by_poster) END,
       (SELECT score FROM root),
       min(published_at) FILTER (WHERE NOT by_poster),
       CASE WHEN $counted THEN count(*) FILTER (WHERE label = 'positive' AND NOT by_poster) END,
       CASE WHEN $counted THEN count(*) FILTER (WHERE label = 'neutral' AND NOT by_poster) END,
       CASE WHEN $counted THEN count(*) FILTER (WHERE label = 'negative' AND NOT by_poster) END,
       CASE WHEN $counted THEN round(avg(compound) FILTER (WHERE NOT by_poster), 4) END
FROM replies;
