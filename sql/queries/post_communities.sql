-- The communities of the posts in a temp table of post ids ($table: forget_ids, stage_rescored).
SELECT DISTINCT community FROM posts WHERE post_id IN (SELECT post_id FROM query_table($table));
