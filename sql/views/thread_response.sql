-- How a community responded to each thread (e.g. one we posted): replies, their sentiment, how fast (from
-- rollup_threads, sql/schema/070_rollups.sql).
CREATE OR REPLACE VIEW thread_response AS
SELECT t.community, c.segment, t.thread_id, t.title, t.url, t.published_at,
       t.compound AS thread_compound,
       t.replies,
       round(t.compound_sum / t.replies, 3) AS reply_mean_compound,
       round(t.positives / nullif(t.replies, 0), 3) AS reply_positive_share,
       round(t.negatives / nullif(t.replies, 0), 3) AS reply_negative_share,
       t.first_reply_at - t.published_at AS first_reply_after,
       t.last_reply_at
FROM rollup_threads t
JOIN communities c ON c.name = t.community
ORDER BY t.published_at DESC;
