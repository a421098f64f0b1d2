-- The Customer Value Grid, one row per cell x ACCEPT value, over texts published since `since_date` (NULL: all);
-- a cell is a segment or a community (`cell_by`). Measures: mentions; posts = the cell's scored posts that mention
-- the value; share = posts / scored posts; mean_compound = mean sentiment of the sentences that mention it
-- (value-level sentiment); negative_share of those sentences; lift = share / the share across all communities
-- in the window (above 1: this cell weighs the value more). The views and `voyage grid` all read this.
CREATE OR REPLACE MACRO value_grid_cells(cell_by, since_date) AS TABLE
WITH value_names(value, ord) AS (  -- pipeline.accept.VALUES
    VALUES ('Achievement', 1), ('Convenience', 2), ('Comfort', 3), ('Esteem', 4), ('Pleasure', 5), ('Trust', 6)
),
window_posts AS (
    SELECT post_id, segment, CASE WHEN cell_by = 'community' THEN community ELSE segment END AS cell
    FROM scored_posts
    WHERE CAST(since_date AS DATE) IS NULL OR published_at >= CAST(since_date AS DATE)
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
ORDER BY s.segment, s.cell, v.ord;
