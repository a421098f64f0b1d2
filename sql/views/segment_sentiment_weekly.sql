-- How each customer segment feels, week by week, across its communities.
CREATE OR REPLACE VIEW segment_sentiment_weekly AS
WITH weekly AS (
    SELECT segment, week, count(DISTINCT community) AS communities, count(*) AS texts,
           avg(compound) AS mean_compound,
           avg(CASE WHEN label = 'negative' THEN 1 ELSE 0 END) AS negative_share
    FROM scored_posts
    GROUP BY ALL
)
SELECT segment, week, communities, texts,
       round(mean_compound, 3) AS mean_compound,
       round(mean_compound - lag(mean_compound) OVER (PARTITION BY segment ORDER BY week), 3) AS change,
       round(negative_share, 3) AS negative_share
FROM weekly
ORDER BY segment, week;
