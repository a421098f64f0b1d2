-- The views and the grid macro as they were before the rollups (sql/schema/070_rollups.sql): every one read raw
-- rows. tests/test_rollups.py creates them as raw_<name> temp views and checks the rolled-up ones give the same rows.

CREATE OR REPLACE TEMP MACRO raw_value_grid_cells(cell_by, since_date, until_date) AS TABLE
WITH value_names(value, ord) AS (  -- pipeline.accept.VALUES
    VALUES ('Achievement', 1), ('Convenience', 2), ('Comfort', 3), ('Esteem', 4), ('Pleasure', 5), ('Trust', 6)
),
window_posts AS (
    SELECT post_id, segment, CASE WHEN cell_by = 'community' THEN community ELSE segment END AS cell
    FROM scored_posts
    WHERE picked(NULL, NULL, day, day, NULL, NULL, since_date, until_date)
),
other_language AS (
    SELECT CASE WHEN cell_by = 'community' THEN p.community ELSE c.segment END AS cell, count(*) AS other_language
    FROM posts p JOIN communities c ON c.name = p.community
    WHERE p.lang <> 'en' AND NOT p.removed
      AND picked(NULL, NULL, p.published_at, p.published_at, NULL, NULL, since_date, until_date)
    GROUP BY ALL
),
scored AS (SELECT cell, any_value(segment) AS segment, count(*) AS scored_posts FROM window_posts GROUP BY cell),
hits AS (SELECT w.cell, s.* FROM value_sentences s JOIN window_posts w USING (post_id)),
cells AS (
    SELECT cell, value, sum(mentions) AS mentions, count(DISTINCT post_id) AS posts,
           avg(compound) AS mean_compound, avg(CASE WHEN compound <= -0.05 THEN 1 ELSE 0 END) AS negative_share
    FROM hits
    GROUP BY cell, value
),
overall AS (
    SELECT v.value, count(DISTINCT h.post_id) / nullif((SELECT count(*) FROM window_posts), 0) AS share
    FROM value_names v LEFT JOIN hits h USING (value)
    GROUP BY v.value
)
SELECT s.cell, s.segment, v.value, s.scored_posts,
       coalesce(c.mentions, 0) AS mentions, coalesce(c.posts, 0) AS posts,
       round(coalesce(c.posts, 0) / s.scored_posts, 4) AS share,
       round(c.mean_compound, 4) AS mean_compound,
       round(c.negative_share, 4) AS negative_share,
       round(coalesce(c.posts, 0) / s.scored_posts / nullif(o.share, 0), 3) AS lift,
       coalesce(l.other_language, 0) AS other_language
FROM scored s
CROSS JOIN value_names v
JOIN overall o USING (value)
LEFT JOIN cells c ON c.cell = s.cell AND c.value = v.value
LEFT JOIN other_language l ON l.cell = s.cell
ORDER BY s.segment, s.cell, v.ord;

CREATE OR REPLACE TEMP VIEW raw_value_grid AS
SELECT cell AS segment, value, scored_posts, mentions, posts, share, mean_compound, negative_share, lift, other_language
FROM raw_value_grid_cells('segment', NULL, NULL);

CREATE OR REPLACE TEMP VIEW raw_value_grid_community AS
SELECT cell AS community, segment, value, scored_posts, mentions, posts, share, mean_compound, negative_share, lift, other_language
FROM raw_value_grid_cells('community', NULL, NULL);

CREATE OR REPLACE TEMP VIEW raw_value_trends_weekly AS
WITH value_names(value, ord) AS (  -- pipeline.accept.VALUES
    VALUES ('Achievement', 1), ('Convenience', 2), ('Comfort', 3), ('Esteem', 4), ('Pleasure', 5), ('Trust', 6)
),
scored AS (SELECT segment, week, count(*) AS scored_posts FROM scored_posts GROUP BY segment, week),
cells AS (
    SELECT segment, week, value, sum(mentions) AS mentions, count(DISTINCT post_id) AS posts,
           avg(compound) AS mean_compound
    FROM value_sentences
    GROUP BY segment, week, value
),
weekly AS (
    SELECT s.segment, s.week, v.value, v.ord, s.scored_posts,
           coalesce(c.mentions, 0) AS mentions, coalesce(c.posts, 0) AS posts,
           coalesce(c.posts, 0) / s.scored_posts AS share, c.mean_compound
    FROM scored s
    CROSS JOIN value_names v
    LEFT JOIN cells c ON c.segment = s.segment AND c.week = s.week AND c.value = v.value
)
SELECT segment, week, value, scored_posts, mentions, posts,
       round(share, 4) AS share,
       round(mean_compound, 4) AS mean_compound,
       round(share - lag(share) OVER (PARTITION BY segment, value ORDER BY week), 4) AS share_change,
       round(mean_compound - lag(mean_compound) OVER (PARTITION BY segment, value ORDER BY week), 4)
           AS sentiment_change
FROM weekly
ORDER BY segment, week, ord;

CREATE OR REPLACE TEMP VIEW raw_sentiment_daily AS
SELECT community, segment, day,
       count(*) FILTER (WHERE kind = 'post') AS posts,
       count(*) FILTER (WHERE kind = 'comment') AS comments,
       round(avg(compound), 3) AS mean_compound,
       round(avg(CASE WHEN label = 'positive' THEN 1 ELSE 0 END), 3) AS positive_share,
       round(avg(CASE WHEN label = 'negative' THEN 1 ELSE 0 END), 3) AS negative_share
FROM scored_posts
GROUP BY ALL
ORDER BY community, day;

CREATE OR REPLACE TEMP VIEW raw_sentiment_weekly AS
WITH weekly AS (
    SELECT community, segment, week,
           count(*) FILTER (WHERE kind = 'post') AS posts,
           count(*) FILTER (WHERE kind = 'comment') AS comments,
           avg(compound) AS mean_compound,
           avg(CASE WHEN label = 'positive' THEN 1 ELSE 0 END) AS positive_share,
           avg(CASE WHEN label = 'negative' THEN 1 ELSE 0 END) AS negative_share
    FROM scored_posts
    GROUP BY ALL
)
SELECT community, segment, week, posts, comments,
       round(mean_compound, 3) AS mean_compound,
       round(mean_compound - lag(mean_compound) OVER (PARTITION BY community ORDER BY week), 3) AS change,
       round(positive_share, 3) AS positive_share,
       round(negative_share, 3) AS negative_share
FROM weekly
ORDER BY community, week;

CREATE OR REPLACE TEMP VIEW raw_segment_sentiment_weekly AS
WITH weekly AS (
    SELECT segment, week, count(DISTINCT community) AS communities, count(*) AS texts,
           avg(compound) AS mean_compound,
           avg(CASE WHEN label = 'negative' THEN 1 ELSE 0 END) AS negative_share
    FROM scored_posts
    GROUP BY ALL
)
SELECT segment, week, communities, texts,
       round(mean_compound, 3) AS mean_compound,
       round(mean_compound - lag(mean_compound) OVER (PARTITION BY segment ORDER BY week), 3) AS change,
       round(negative_share, 3) AS negative_share
FROM weekly
ORDER BY segment, week;

CREATE OR REPLACE TEMP VIEW raw_negative_posts AS
SELECT community, segment, kind, published_at, compound,
       CASE WHEN kind = 'comment' THEN left(body, 140) ELSE coalesce(nullif(title, ''), left(body, 140)) END AS text, url, post_id
FROM scored_posts
WHERE label = 'negative'
ORDER BY compound, published_at DESC;

CREATE OR REPLACE TEMP VIEW raw_thread_response AS
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

CREATE OR REPLACE TEMP VIEW raw_brand_share_of_voice AS
WITH brand_sentences AS (
    SELECT m.post_id, p.community, p.segment, p.week, m.name AS brand, m.sentence_idx,
           count(*) AS mentions, any_value(m.compound) AS compound
    FROM mentions m
    JOIN scored_posts p USING (post_id)
    WHERE m.kind = 'brand'
    GROUP BY ALL
)
SELECT community, segment, week, brand,
       sum(mentions) AS mentions,
       count(DISTINCT post_id) AS posts,
       round(sum(mentions) / sum(sum(mentions)) OVER (PARTITION BY community, week), 4) AS share_of_voice,
       round(avg(compound), 4) AS mean_compound
FROM brand_sentences
GROUP BY community, segment, week, brand
ORDER BY community, week, mentions DESC, brand;

CREATE OR REPLACE TEMP VIEW raw_brand_values AS
WITH brand_sentences AS (
    SELECT DISTINCT post_id, name AS brand, sentence_idx FROM mentions WHERE kind = 'brand'
)
SELECT b.brand, v.value,
       count(*) AS sentences,
       count(DISTINCT v.post_id) AS posts,
       count(DISTINCT v.community) AS communities,
       round(avg(v.compound), 4) AS mean_compound,
       round(avg(CASE WHEN v.compound >= 0.05 THEN 1 ELSE 0 END), 4) AS positive_share,
       round(avg(CASE WHEN v.compound <= -0.05 THEN 1 ELSE 0 END), 4) AS negative_share
FROM brand_sentences b
JOIN value_sentences v ON v.post_id = b.post_id AND v.sentence_idx = b.sentence_idx
GROUP BY b.brand, v.value
ORDER BY b.brand, sentences DESC, v.value;

CREATE OR REPLACE TEMP VIEW raw_community_summary AS
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

CREATE OR REPLACE TEMP VIEW raw_value_quotes AS
SELECT value, community, segment, compound, sentence, url, published_at, post_id, sentence_idx, terms,
       row_number() OVER (PARTITION BY community, value ORDER BY compound DESC, published_at DESC, post_id)
           AS positive_rank,
       row_number() OVER (PARTITION BY community, value ORDER BY compound ASC, published_at DESC, post_id)
           AS negative_rank
FROM value_sentences
ORDER BY community, value, compound DESC;
