-- Retention: the title thread_response keeps (rollup_threads) of threads published before $before, blanked with theirs.
UPDATE rollup_threads SET title = NULL WHERE published_at < $before AND title IS NOT NULL;
