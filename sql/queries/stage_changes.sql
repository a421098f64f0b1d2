-- Which staged posts are new, and which changed since they were stored.
INSERT INTO stage_changed
SELECT s.post_id, p.post_id IS NULL
FROM stage_posts s LEFT JOIN posts p USING (post_id)
WHERE p.post_id IS NULL OR p.content_hash <> s.content_hash
   OR (s.source_hash IS NOT NULL AND p.source_hash IS DISTINCT FROM s.source_hash);
