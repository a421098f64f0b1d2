-- A post belongs to its community: keys become '<community>/<source>:<external id>' (they were global, so two
-- Discourse forums, which both number posts from 1, overwrote each other). Thread and parent ids follow.
-- Blog and forum ids lose scheme, 'www.' and port, as connectors.rss.stable_url_id now makes them; where that
-- makes two stored rows one (the same page served on two ports), the newer is kept.
CREATE TEMP MACRO stable_id(k) AS
    regexp_replace(k, '^(rss|forum):(?:https?://)?(?:www\.)?([^/:@?#]+)(?::\d+)?([/?#]|$)', '\1:\2\3');
CREATE TEMP TABLE kept AS
SELECT * REPLACE (community || '/' || stable_id(post_id) AS post_id,
                  community || '/' || stable_id(thread_id) AS thread_id,
                  community || '/' || stable_id(parent_id) AS parent_id,
                  regexp_replace(stable_id(source || ':' || external_id), '^[a-z]+:', '') AS external_id),
       post_id AS old_id
FROM posts
QUALIFY row_number() OVER (PARTITION BY community, stable_id(post_id) ORDER BY updated_at DESC) = 1;
CREATE TEMP TABLE new_sentiment AS
SELECT s.* REPLACE (k.post_id AS post_id) FROM post_sentiment s JOIN kept k ON k.old_id = s.post_id;
CREATE TEMP TABLE new_mentions AS
SELECT m.* REPLACE (k.post_id AS post_id) FROM mentions m JOIN kept k ON k.old_id = m.post_id;
DELETE FROM post_sentiment;
DELETE FROM mentions;
DELETE FROM posts;
INSERT INTO posts SELECT * EXCLUDE (old_id) FROM kept;
INSERT INTO post_sentiment SELECT * FROM new_sentiment;
INSERT INTO mentions SELECT * FROM new_mentions;
-- tombstones of erased posts and threads hold for every community that may serve them again
INSERT INTO forgotten
SELECT f.kind, c.name || '/' || stable_id(f.value), f.forgotten_at
FROM forgotten f, communities c WHERE f.kind IN ('post', 'thread')
ON CONFLICT DO NOTHING;
DROP TABLE kept;
DROP TABLE new_sentiment;
DROP TABLE new_mentions;
DROP MACRO stable_id;
