-- How each community feels, week by week (weeks start on Monday), with the change from the week before.
CREATE OR REPLACE VIEW sentiment_weekly AS
WITH weekly AS (
    SELECT community, segment, week,
           count(*) FILTER (WHERE kind = 'post') AS posts,
           count(*) FILTER (WHERE kind = 'comment') AS comments,
           avg(compound) AS mean_compound,
           avg(CASE WHEN label = 'positive' THEN 1 ELSE 0 END) AS positive_share,
           avg(CASE WHEN label = 'negative' THEN 1 ELSE 0 END) AS negative_share
    FROM scored_posts
    GROUP BY ALL
)
SELECT community, segment, week, posts, comments,
       round(mean_compound, 3) AS mean_compound,
       round(mean_compound - lag(mean_compound) OVER (PARTITION BY community ORDER BY week), 3) AS change,
       round(positive_share, 3) AS positive_share,
       round(negative_share, 3) AS negative_share
FROM weekly
ORDER BY community, week;
