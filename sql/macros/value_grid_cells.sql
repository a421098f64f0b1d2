-- The Customer Value Grid, one row per cell x ACCEPT value, over texts published from `since_date` to `until_date`
-- (NULL: open); a cell is a segment or a community (`cell_by`). Measures: mentions; posts = the cell's scored posts that mention
-- the value; share = posts / scored posts; mean_compound = mean sentiment of the sentences that mention it
-- (value-level sentiment); negative_share of those sentences; lift = share / the share across all communities
-- in the window (above 1: this cell weighs the value more); other_language = the cell's texts in the window that
-- are not in English, so not scored (pipeline.language). The views, `voyage grid` and the report all read this.
-- Summed from the per-day rollups (daily_texts, daily_values; sql/schema/070_rollups.sql), not raw rows.
CREATE OR REPLACE MACRO value_grid_cells(cell_by, since_date, until_date) AS TABLE
WITH value_names(value, ord) AS (  -- pipeline.accept.VALUES
    VALUES ('Achievement', 1), ('Convenience', 2), ('Comfort', 3), ('Esteem', 4), ('Pleasure', 5), ('Trust', 6)
),
window_days AS (
    SELECT *, CASE WHEN cell_by = 'community' THEN community ELSE segment END AS cell
    FROM daily_texts
    WHERE picked(NULL, NULL, day, day, NULL, NULL, since_date, until_date)
),
scored AS (
    SELECT cell, any_value(segment) AS segment, CAST(sum(texts) AS BIGINT) AS scored_posts,
           CAST(sum(other_language) AS BIGINT) AS other_language
    FROM window_days GROUP BY cell
    HAVING sum(texts) > 0
),
hits AS (
    SELECT *, CASE WHEN cell_by = 'community' THEN community ELSE segment END AS cell
    FROM daily_values
    WHERE picked(NULL, NULL, day, day, NULL, NULL, since_date, until_date)
),
cells AS (
    SELECT cell, value, sum(mentions) AS mentions, CAST(sum(posts) AS BIGINT) AS posts,
           sum(compound_sum) / sum(sentences) AS mean_compound, sum(negatives) / sum(sentences) AS negative_share
    FROM hits
    GROUP BY cell, value
),
overall AS (
    SELECT v.value, coalesce(sum(h.posts), 0) / nullif((SELECT sum(texts) FROM window_days), 0) AS share
    FROM value_names v LEFT JOIN hits h USING (value)
    GROUP BY v.value
)
SELECT s.cell, s.segment, v.value, s.scored_posts,
       coalesce(c.mentions, 0) AS mentions, coalesce(c.posts, 0) AS posts,
       round(coalesce(c.posts, 0) / s.scored_posts, 4) AS share,
       round(c.mean_compound, 4) AS mean_compound,
       round(c.negative_share, 4) AS negative_share,
       round(coalesce(c.posts, 0) / s.scored_posts / nullif(o.share, 0), 3) AS lift,
       s.other_language
FROM scored s
CROSS JOIN value_names v
JOIN overall o USING (value)
LEFT JOIN cells c ON c.cell = s.cell AND c.value = v.value
ORDER BY s.segment, s.cell, v.ord;
