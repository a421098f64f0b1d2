-- `voyage quotes`: the most positive (or, with $negative, most negative) sentences about $value in the window, with
-- links.
SELECT compound, community, sentence, url, CAST(published_at AS DATE) AS published
FROM value_quotes
WHERE value = $value AND picked(community, segment, published_at, published_at, $community, $segment, $since, $until)
ORDER BY CASE WHEN $negative THEN compound END ASC,
         CASE WHEN NOT $negative THEN compound END DESC,
         published_at DESC, post_id, sentence_idx
LIMIT $limit;
