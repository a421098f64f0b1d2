-- How each community feels, week by week (weeks start on Monday), with the change from the week before.
CREATE OR REPLACE VIEW sentiment_weekly AS
WITH weekly AS (
    SELECT community, segment, week,
           CAST(sum(posts) AS BIGINT) AS posts,
           CAST(sum(comments) AS BIGINT) AS comments,
           sum(compound_sum) / sum(texts) AS mean_compound,
           sum(positives) / sum(texts) AS positive_share,
           sum(negatives) / sum(texts) AS negative_share
    FROM daily_texts
    WHERE texts > 0
    GROUP BY ALL
)
SELECT community, segment, week, posts, comments,
       round(mean_compound, 3) AS mean_compound,
       round(mean_compound - lag(mean_compound) OVER (PARTITION BY community ORDER BY week), 3) AS change,
       round(positive_share, 3) AS positive_share,
       round(negative_share, 3) AS negative_share
FROM weekly
ORDER BY community, week;
