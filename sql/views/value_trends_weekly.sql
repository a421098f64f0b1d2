-- Each segment's ACCEPT values week by week (weeks start on Monday): mentions, posts mentioning the value,
-- share of the week's scored posts, mean value sentiment, and the change of share and sentiment from the
-- week before. Summed from the per-day rollups (sql/schema/070_rollups.sql).
CREATE OR REPLACE VIEW value_trends_weekly AS
WITH value_names(value, ord) AS (  -- pipeline.accept.VALUES
    VALUES ('Achievement', 1), ('Convenience', 2), ('Comfort', 3), ('Esteem', 4), ('Pleasure', 5), ('Trust', 6)
),
scored AS (
    SELECT segment, week, CAST(sum(texts) AS BIGINT) AS scored_posts FROM daily_texts
    GROUP BY segment, week HAVING sum(texts) > 0
),
cells AS (
    SELECT segment, week, value, sum(mentions) AS mentions, CAST(sum(posts) AS BIGINT) AS posts,
           sum(compound_sum) / sum(sentences) AS mean_compound
    FROM daily_values
    GROUP BY segment, week, value
),
weekly AS (
    SELECT s.segment, s.week, v.value, v.ord, s.scored_posts,
           coalesce(c.mentions, 0) AS mentions, coalesce(c.posts, 0) AS posts,
           coalesce(c.posts, 0) / s.scored_posts AS share, c.mean_compound
    FROM scored s
    CROSS JOIN value_names v
    LEFT JOIN cells c ON c.segment = s.segment AND c.week = s.week AND c.value = v.value
)
SELECT segment, week, value, scored_posts, mentions, posts,
       round(share, 4) AS share,
       round(mean_compound, 4) AS mean_compound,
       round(share - lag(share) OVER (PARTITION BY segment, value ORDER BY week), 4) AS share_change,
       round(mean_compound - lag(mean_compound) OVER (PARTITION BY segment, value ORDER BY week), 4)
           AS sentiment_change
FROM weekly
ORDER BY segment, week, ord;
