-- `voyage quotes`: the most positive (or, with $negative, most negative) sentences about $value, optionally
-- in one $community, with links.
SELECT compound, community, sentence, url, CAST(published_at AS DATE) AS published
FROM value_quotes
WHERE value = $value AND (CAST($community AS VARCHAR) IS NULL OR community = $community)
ORDER BY CASE WHEN $negative THEN compound END ASC,
         CASE WHEN NOT $negative THEN compound END DESC,
         published_at DESC, post_id, sentence_idx
LIMIT $limit;
