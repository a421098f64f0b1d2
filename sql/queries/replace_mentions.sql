-- Swap the stored mentions of the rescored posts for the staged ones.
DELETE FROM mentions WHERE post_id IN (SELECT post_id FROM stage_rescored);
INSERT INTO mentions SELECT * FROM stage_mentions;
