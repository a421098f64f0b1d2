-- How a community responded to each thread (e.g. one we posted): replies, their sentiment, how fast.
CREATE OR REPLACE VIEW thread_response AS
SELECT t.community, t.segment, t.post_id AS thread_id, t.title, t.url, t.published_at,
       t.compound AS thread_compound,
       count(r.post_id) AS replies,
       round(avg(r.compound), 3) AS reply_mean_compound,
       round(avg(CASE WHEN r.label = 'positive' THEN 1 ELSE 0 END), 3) AS reply_positive_share,
       round(avg(CASE WHEN r.label = 'negative' THEN 1 ELSE 0 END), 3) AS reply_negative_share,
       min(r.published_at) - min(t.published_at) AS first_reply_after,
       max(r.published_at) AS last_reply_at
FROM scored_posts t
LEFT JOIN scored_posts r ON r.thread_id = t.post_id AND r.kind = 'comment'
WHERE t.kind = 'post'
GROUP BY ALL
ORDER BY t.published_at DESC;
