-- Each probe against its community's norm: the community's other threads (not probes) that were posted at least
-- as long ago as the probe's age when last observed, each measured at that same age (replies by others, unique
-- repliers, mean reply sentiment, from the replies' own times as stored). Percentiles count ties as half; a
-- baseline under 10 threads is too thin to compare, and says so.
CREATE OR REPLACE VIEW probe_norm AS
WITH probe AS (
    SELECT p.probe_id, p.community, p.thread_id,
           (SELECT max(observed_at) FROM probe_snapshots s WHERE s.probe_id = p.probe_id) AS observed_at,
           r.published_at AS posted_at
    FROM probes p JOIN posts r ON r.post_id = p.thread_id
),
aged AS (SELECT *, observed_at - posted_at AS age FROM probe WHERE observed_at IS NOT NULL),
threads AS (
    SELECT a.probe_id, t.post_id = a.thread_id AS is_probe,
           count(c.post_id) AS replies, count(DISTINCT c.author) AS repliers, avg(cs.compound) AS reply_compound
    FROM aged a
    JOIN posts t ON t.community = a.community AND t.kind = 'post' AND NOT t.removed
                AND (t.post_id = a.thread_id
                     OR (t.published_at + a.age <= a.observed_at
                         AND t.post_id NOT IN (SELECT thread_id FROM probes WHERE thread_id IS NOT NULL)))
    LEFT JOIN posts c ON c.thread_id = t.post_id AND c.post_id <> t.post_id AND NOT c.removed
                     AND c.published_at <= t.published_at + a.age AND c.author IS DISTINCT FROM t.author
    LEFT JOIN post_sentiment cs ON cs.post_id = c.post_id
    GROUP BY a.probe_id, t.post_id, a.thread_id
),
measured AS (
    SELECT *, max(replies) FILTER (WHERE is_probe) OVER w AS p_replies,
           max(repliers) FILTER (WHERE is_probe) OVER w AS p_repliers,
           max(reply_compound) FILTER (WHERE is_probe) OVER w AS p_compound
    FROM threads WINDOW w AS (PARTITION BY probe_id)
)
SELECT probe_id,
       round(epoch(any_value(a.age)) / 3600, 1) AS age_hours,
       count(*) FILTER (WHERE NOT is_probe) AS baseline_threads,
       count(*) FILTER (WHERE NOT is_probe) < 10 AS too_thin,
       any_value(p_replies) AS replies, median(replies) FILTER (WHERE NOT is_probe) AS typical_replies,
       round((count(*) FILTER (WHERE NOT is_probe AND replies < p_replies)
              + 0.5 * count(*) FILTER (WHERE NOT is_probe AND replies = p_replies))
             / nullif(count(*) FILTER (WHERE NOT is_probe), 0), 3) AS replies_percentile,
       any_value(p_repliers) AS repliers, median(repliers) FILTER (WHERE NOT is_probe) AS typical_repliers,
       round((count(*) FILTER (WHERE NOT is_probe AND repliers < p_repliers)
              + 0.5 * count(*) FILTER (WHERE NOT is_probe AND repliers = p_repliers))
             / nullif(count(*) FILTER (WHERE NOT is_probe), 0), 3) AS repliers_percentile,
       round(any_value(p_compound), 3) AS reply_sentiment,
       round(median(reply_compound) FILTER (WHERE NOT is_probe), 3) AS typical_reply_sentiment,
       round((count(*) FILTER (WHERE NOT is_probe AND reply_compound < p_compound)
              + 0.5 * count(*) FILTER (WHERE NOT is_probe AND reply_compound = p_compound))
             / nullif(count(*) FILTER (WHERE NOT is_probe AND reply_compound IS NOT NULL), 0), 3)
           AS sentiment_percentile
FROM measured JOIN aged a USING (probe_id)
GROUP BY probe_id
ORDER BY probe_id;
