-- Retention: the sentences value_quotes keeps (rollup_quotes) of posts published before $before, blanked with theirs.
UPDATE rollup_quotes SET sentence = '' WHERE published_at < $before AND sentence <> '';
