-- Staging for `voyage rescore`: the posts rescored and their new mentions (temp: never in the file).
CREATE TEMP TABLE IF NOT EXISTS stage_mentions AS SELECT * FROM mentions LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_rescored (post_id VARCHAR PRIMARY KEY);
DELETE FROM stage_mentions;
DELETE FROM stage_rescored;
