-- Re-aggregate the rollups (sql/schema/070_rollups.sql) of the communities in rollup_scope from their stored rows,
-- inside the writer's transaction (store.refresh_rollups). Same rows as scored_posts and value_sentences would give.
DELETE FROM rollup_days WHERE community IN (SELECT community FROM rollup_scope);
DELETE FROM rollup_values WHERE community IN (SELECT community FROM rollup_scope);
DELETE FROM rollup_brands WHERE community IN (SELECT community FROM rollup_scope);
DELETE FROM rollup_brand_values WHERE community IN (SELECT community FROM rollup_scope);
DELETE FROM rollup_threads WHERE community IN (SELECT community FROM rollup_scope);
DELETE FROM rollup_negatives WHERE community IN (SELECT community FROM rollup_scope);
DELETE FROM rollup_quotes WHERE community IN (SELECT community FROM rollup_scope);
CREATE OR REPLACE TEMP TABLE rollup_texts AS
SELECT p.post_id, p.community, p.kind, p.thread_id, p.published_at, CAST(p.published_at AS DATE) AS day, p.lang,
       s.compound, s.label, p.title, p.body, p.url
FROM posts p LEFT JOIN post_sentiment s USING (post_id)
WHERE NOT p.removed AND p.community IN (SELECT community FROM rollup_scope);
INSERT INTO rollup_days
SELECT community, day, count(compound), count(compound) FILTER (WHERE kind = 'post'),
       count(compound) FILTER (WHERE kind = 'comment'), coalesce(sum(compound), 0),
       count(*) FILTER (WHERE label = 'positive'), count(*) FILTER (WHERE label = 'negative'),
       max(published_at) FILTER (WHERE compound IS NOT NULL), count(*) FILTER (WHERE lang <> 'en')
FROM rollup_texts
GROUP BY community, day;
CREATE OR REPLACE TEMP TABLE rollup_sentences AS
SELECT m.post_id, t.community, t.day, m.kind, m.name, m.sentence_idx, count(*) AS mentions,
       any_value(m.compound) AS compound, any_value(m.sentence) AS sentence, list(m.term ORDER BY m.span_start) AS terms
FROM mentions m JOIN rollup_texts t USING (post_id)
WHERE t.compound IS NOT NULL AND m.kind IN ('value', 'brand')
GROUP BY m.post_id, t.community, t.day, m.kind, m.name, m.sentence_idx;
INSERT INTO rollup_values
SELECT community, day, name, sum(mentions), count(*), count(DISTINCT post_id), sum(compound),
       count(*) FILTER (WHERE compound <= -0.05)
FROM rollup_sentences WHERE kind = 'value'
GROUP BY community, day, name;
INSERT INTO rollup_brands
SELECT community, day, name, sum(mentions), count(*), count(DISTINCT post_id), sum(compound)
FROM rollup_sentences WHERE kind = 'brand'
GROUP BY community, day, name;
INSERT INTO rollup_brand_values
SELECT v.community, v.day, b.name, v.name, count(*), count(DISTINCT v.post_id), sum(v.compound),
       count(*) FILTER (WHERE v.compound >= 0.05), count(*) FILTER (WHERE v.compound <= -0.05)
FROM rollup_sentences b
JOIN rollup_sentences v ON v.post_id = b.post_id AND v.sentence_idx = b.sentence_idx AND v.kind = 'value'
WHERE b.kind = 'brand'
GROUP BY v.community, v.day, b.name, v.name;
INSERT INTO rollup_threads
SELECT t.community, t.post_id, t.title, t.url, t.published_at, t.compound, count(r.post_id), sum(r.compound),
       count(*) FILTER (WHERE r.label = 'positive'), count(*) FILTER (WHERE r.label = 'negative'),
       min(r.published_at), max(r.published_at)
FROM rollup_texts t
LEFT JOIN rollup_texts r ON r.thread_id = t.post_id AND r.kind = 'comment' AND r.compound IS NOT NULL
WHERE t.kind = 'post' AND t.compound IS NOT NULL
GROUP BY t.community, t.post_id, t.title, t.url, t.published_at, t.compound;
INSERT INTO rollup_negatives
SELECT community, post_id, kind, published_at, compound,
       CASE WHEN kind = 'comment' THEN left(body, 140) ELSE coalesce(nullif(title, ''), left(body, 140)) END, url
FROM rollup_texts WHERE label = 'negative';
INSERT INTO rollup_quotes
SELECT s.community, s.name, s.post_id, s.sentence_idx, s.compound, s.sentence, s.terms, t.url, t.published_at,
       row_number() OVER (PARTITION BY s.community, s.name ORDER BY s.compound DESC, t.published_at DESC, s.post_id),
       row_number() OVER (PARTITION BY s.community, s.name ORDER BY s.compound ASC, t.published_at DESC, s.post_id)
FROM rollup_sentences s JOIN rollup_texts t USING (post_id)
WHERE s.kind = 'value';
DROP TABLE rollup_texts;
DROP TABLE rollup_sentences;
