-- How each customer segment feels, week by week, across its communities.
CREATE OR REPLACE VIEW segment_sentiment_weekly AS
WITH weekly AS (
    SELECT segment, week, count(DISTINCT community) AS communities, CAST(sum(texts) AS BIGINT) AS texts,
           sum(compound_sum) / sum(texts) AS mean_compound,
           sum(negatives) / sum(texts) AS negative_share
    FROM daily_texts
    WHERE texts > 0
    GROUP BY ALL
)
SELECT segment, week, communities, texts,
       round(mean_compound, 3) AS mean_compound,
       round(mean_compound - lag(mean_compound) OVER (PARTITION BY segment ORDER BY week), 3) AS change,
       round(negative_share, 3) AS negative_share
FROM weekly
ORDER BY segment, week;
