-- The Customer Value Grid per community x ACCEPT value, with the same measures as value_grid: mentions,
-- posts mentioning, share of the community's scored posts, mean value sentiment, negative share, and lift
-- against all communities.
CREATE OR REPLACE VIEW value_grid_community AS
WITH value_names(value, ord) AS (  -- pipeline.accept.VALUES
    VALUES ('Achievement', 1), ('Convenience', 2), ('Comfort', 3), ('Esteem', 4), ('Pleasure', 5), ('Trust', 6)
),
scored AS (
    SELECT community, any_value(segment) AS segment, count(*) AS scored_posts FROM scored_posts GROUP BY community
),
cells AS (
    SELECT community, value, sum(mentions) AS mentions, count(DISTINCT post_id) AS posts,
           avg(compound) AS mean_compound, avg(CASE WHEN compound <= -0.05 THEN 1 ELSE 0 END) AS negative_share
    FROM value_sentences
    GROUP BY community, value
),
overall AS (
    SELECT v.value, count(DISTINCT s.post_id) / nullif((SELECT count(*) FROM scored_posts), 0) AS share
    FROM value_names v LEFT JOIN value_sentences s USING (value)
    GROUP BY v.value
)
SELECT s.community, s.segment, v.value, s.scored_posts,
       coalesce(c.mentions, 0) AS mentions, coalesce(c.posts, 0) AS posts,
       round(coalesce(c.posts, 0) / s.scored_posts, 4) AS share,
       round(c.mean_compound, 4) AS mean_compound,
       round(c.negative_share, 4) AS negative_share,
       round(coalesce(c.posts, 0) / s.scored_posts / nullif(o.share, 0), 3) AS lift
FROM scored s
CROSS JOIN value_names v
JOIN overall o USING (value)
LEFT JOIN cells c ON c.community = s.community AND c.value = v.value
ORDER BY s.segment, s.community, v.ord;
