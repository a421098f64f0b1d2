-- The source digests of one community's posts published since $since: what a rerun need not score again.
SELECT post_id, source_hash FROM posts
WHERE community = $community AND published_at >= $since AND source_hash IS NOT NULL;
