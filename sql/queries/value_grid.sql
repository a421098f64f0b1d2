-- `voyage grid`: the Customer Value Grid as in the value_grid view, by segment or community ($by), for texts
-- published since $since (NULL: all), optionally one $segment. Lift is against all communities in the window.
WITH value_names(value, ord) AS (  -- pipeline.accept.VALUES
    VALUES ('Achievement', 1), ('Convenience', 2), ('Comfort', 3), ('Esteem', 4), ('Pleasure', 5), ('Trust', 6)
),
window_posts AS (
    SELECT post_id, segment, CASE WHEN $by = 'community' THEN community ELSE segment END AS cell
    FROM scored_posts
    WHERE CAST($since AS DATE) IS NULL OR published_at >= CAST($since AS DATE)
),
scored AS (SELECT cell, any_value(segment) AS segment, count(*) AS scored_posts FROM window_posts GROUP BY cell),
hits AS (SELECT w.cell, s.* FROM value_sentences s JOIN window_posts w USING (post_id)),
cells AS (
    SELECT cell, value, sum(mentions) AS mentions, count(DISTINCT post_id) AS posts,
           avg(compound) AS mean_compound, avg(CASE WHEN compound <= -0.05 THEN 1 ELSE 0 END) AS negative_share
    FROM hits
    GROUP BY cell, value
),
overall AS (
    SELECT v.value, count(DISTINCT h.post_id) / nullif((SELECT count(*) FROM window_posts), 0) AS share
    FROM value_names v LEFT JOIN hits h USING (value)
    GROUP BY v.value
)
SELECT s.cell, s.segment, v.value, s.scored_posts,
       coalesce(c.mentions, 0) AS mentions, coalesce(c.posts, 0) AS posts,
       round(coalesce(c.posts, 0) / s.scored_posts, 4) AS share,
       round(c.mean_compound, 4) AS mean_compound,
       round(c.negative_share, 4) AS negative_share,
       round(coalesce(c.posts, 0) / s.scored_posts / nullif(o.share, 0), 3) AS lift
FROM scored s
CROSS JOIN value_names v
JOIN overall o USING (value)
LEFT JOIN cells c ON c.cell = s.cell AND c.value = v.value
WHERE CAST($segment AS VARCHAR) IS NULL OR s.segment = $segment
ORDER BY s.segment, s.cell, v.ord;
