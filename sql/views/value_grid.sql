-- The Customer Value Grid, segment x ACCEPT value (all time; `voyage grid --since` filters by date):
-- mentions; posts = the segment's scored posts that mention the value; share = posts / scored posts;
-- mean_compound = mean sentiment of the sentences that mention it (value-level sentiment);
-- negative_share of those sentences; lift = share / the share across all communities (above 1: weighed more).
CREATE OR REPLACE VIEW value_grid AS
WITH value_names(value, ord) AS (  -- pipeline.accept.VALUES, so a value nobody mentions still shows as 0
    VALUES ('Achievement', 1), ('Convenience', 2), ('Comfort', 3), ('Esteem', 4), ('Pleasure', 5), ('Trust', 6)
),
scored AS (SELECT segment, count(*) AS scored_posts FROM scored_posts GROUP BY segment),
cells AS (
    SELECT segment, value, sum(mentions) AS mentions, count(DISTINCT post_id) AS posts,
           avg(compound) AS mean_compound, avg(CASE WHEN compound <= -0.05 THEN 1 ELSE 0 END) AS negative_share
    FROM value_sentences
    GROUP BY segment, value
),
overall AS (
    SELECT v.value, count(DISTINCT s.post_id) / nullif((SELECT count(*) FROM scored_posts), 0) AS share
    FROM value_names v LEFT JOIN value_sentences s USING (value)
    GROUP BY v.value
)
SELECT s.segment, v.value, s.scored_posts,
       coalesce(c.mentions, 0) AS mentions, coalesce(c.posts, 0) AS posts,
       round(coalesce(c.posts, 0) / s.scored_posts, 4) AS share,
       round(c.mean_compound, 4) AS mean_compound,
       round(c.negative_share, 4) AS negative_share,
       round(coalesce(c.posts, 0) / s.scored_posts / nullif(o.share, 0), 3) AS lift
FROM scored s
CROSS JOIN value_names v
JOIN overall o USING (value)
LEFT JOIN cells c ON c.segment = s.segment AND c.value = v.value
ORDER BY s.segment, v.ord;
