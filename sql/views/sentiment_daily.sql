-- How each community feels, day by day.
CREATE OR REPLACE VIEW sentiment_daily AS
SELECT community, segment, day,
       count(*) FILTER (WHERE kind = 'post') AS posts,
       count(*) FILTER (WHERE kind = 'comment') AS comments,
       round(avg(compound), 3) AS mean_compound,
       round(avg(CASE WHEN label = 'positive' THEN 1 ELSE 0 END), 3) AS positive_share,
       round(avg(CASE WHEN label = 'negative' THEN 1 ELSE 0 END), 3) AS negative_share
FROM scored_posts
GROUP BY ALL
ORDER BY community, day;
