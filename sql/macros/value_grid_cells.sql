-- The Customer Value Grid, one row per cell x ACCEPT value, over texts published from `since_date` to `until_date`
-- (NULL: open); a cell is a segment or a community (`cell_by`). Measures: mentions; posts = the cell's scored posts that mention
-- the value; share = posts / scored posts; mean_compound = mean sentiment of the sentences that mention it
-- (value-level sentiment); negative_share of those sentences; lift = share / the share across all communities
-- in the window (above 1: this cell weighs the value more); other_language = the cell's texts in the window that
-- are not in English, so not scored (pipeline.language). The views, `voyage grid` and the report all read this.
CREATE OR REPLACE MACRO value_grid_cells(cell_by, since_date, until_date) AS TABLE
WITH value_names(value, ord) AS (  -- pipeline.accept.VALUES
    VALUES ('Achievement', 1), ('Convenience', 2), ('Comfort', 3), ('Esteem', 4), ('Pleasure', 5), ('Trust', 6)
),
window_posts AS (
    SELECT post_id, segment, CASE WHEN cell_by = 'community' THEN community ELSE segment END AS cell
    FROM scored_posts
    WHERE picked(NULL, NULL, day, day, NULL, NULL, since_date, until_date)
),
other_language AS (
    SELECT CASE WHEN cell_by = 'community' THEN p.community ELSE c.segment END AS cell, count(*) AS other_language
    FROM posts p JOIN communities c ON c.name = p.community
    WHERE p.lang <> 'en' AND NOT p.removed
      AND picked(NULL, NULL, p.published_at, p.published_at, NULL, NULL, since_date, until_date)
    GROUP BY ALL
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
       round(coalesce(c.posts, 0) / s.scored_posts / nullif(o.share, 0), 3) AS lift,
       coalesce(l.other_language, 0) AS other_language
FROM scored s
CROSS JOIN value_names v
JOIN overall o USING (value)
LEFT JOIN cells c ON c.cell = s.cell AND c.value = v.value
LEFT JOIN other_language l ON l.cell = s.cell
ORDER BY s.segment, s.cell, v.ord;
