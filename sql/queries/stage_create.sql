-- Per-connection staging tables for one community's batch (temp: never in the file).
CREATE TEMP TABLE IF NOT EXISTS stage_posts AS SELECT * FROM posts LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_sentiment AS SELECT * FROM post_sentiment LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_mentions AS SELECT * FROM mentions LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_changed (post_id VARCHAR PRIMARY KEY, is_new BOOLEAN);
DELETE FROM stage_posts;
DELETE FROM stage_sentiment;
DELETE FROM stage_mentions;
DELETE FROM stage_changed;
