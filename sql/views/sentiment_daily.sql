-- How each community feels, day by day (from the per-day rollup, sql/schema/070_rollups.sql).
CREATE OR REPLACE VIEW sentiment_daily AS
SELECT community, segment, day, posts, comments,
       round(compound_sum / texts, 3) AS mean_compound,
       round(positives / texts, 3) AS positive_share,
       round(negatives / texts, 3) AS negative_share
FROM daily_texts
WHERE texts > 0
ORDER BY community, day;
