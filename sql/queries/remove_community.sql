-- Delete the community in removed_community and everything stored for it; returns the posts deleted.
CREATE OR REPLACE TEMP TABLE removed_ids AS
SELECT post_id FROM posts WHERE community = (SELECT name FROM removed_community);
DELETE FROM mentions WHERE post_id IN (SELECT post_id FROM removed_ids);
DELETE FROM post_sentiment WHERE post_id IN (SELECT post_id FROM removed_ids);
DELETE FROM posts WHERE post_id IN (SELECT post_id FROM removed_ids);
DELETE FROM runs WHERE community = (SELECT name FROM removed_community);
DELETE FROM communities WHERE name = (SELECT name FROM removed_community);
SELECT count(*) FROM removed_ids;
