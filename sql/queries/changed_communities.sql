-- The communities of a staged batch's new or changed posts (merge_batch.sql writes them).
SELECT DISTINCT s.community FROM stage_posts s JOIN stage_changed c USING (post_id);
