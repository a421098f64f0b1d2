-- Erase the posts in forget_ids everywhere they are stored, and leave tombstones so they are not fetched back.
DELETE FROM mentions WHERE post_id IN (SELECT post_id FROM forget_ids);
DELETE FROM post_sentiment WHERE post_id IN (SELECT post_id FROM forget_ids);
DELETE FROM posts WHERE post_id IN (SELECT post_id FROM forget_ids);
INSERT INTO forgotten SELECT DISTINCT 'post', post_id, current_timestamp FROM forget_ids ON CONFLICT DO NOTHING;
INSERT INTO forgotten SELECT DISTINCT 'thread', thread_id, current_timestamp FROM forget_ids WHERE root
ON CONFLICT DO NOTHING;
