-- Retention: the text negative_posts keeps (rollup_negatives) of posts published before $before, blanked with theirs.
UPDATE rollup_negatives SET text = NULL WHERE published_at < $before AND text IS NOT NULL;
