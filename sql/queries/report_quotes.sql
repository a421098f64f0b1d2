-- Report: per grid cell (segment x value, or community x value with $community) in the window, the most positive
-- and the most negative sentence, with its link.
WITH ranked AS (
    SELECT CASE WHEN CAST($community AS VARCHAR) IS NULL THEN segment ELSE community END AS cell, value, compound,
           community, sentence, url, CAST(published_at AS DATE) AS published,
           row_number() OVER w_pos AS positive_rank, row_number() OVER w_neg AS negative_rank
    FROM value_sentences
    WHERE picked(community, segment, published_at, published_at, $community, $segment, $since, $until)
    WINDOW w_pos AS (PARTITION BY cell, value ORDER BY compound DESC, published_at DESC, post_id, sentence_idx),
           w_neg AS (PARTITION BY cell, value ORDER BY compound ASC, published_at DESC, post_id, sentence_idx)
)
SELECT cell, value, CASE WHEN positive_rank = 1 THEN 'most positive' ELSE 'most negative' END AS side,
       compound, community, sentence, url, published
FROM ranked
WHERE (positive_rank = 1 AND compound >= 0.05) OR (negative_rank = 1 AND compound <= -0.05)
ORDER BY cell, value, compound DESC;
