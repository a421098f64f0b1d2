SELECT community, segment,
       count(*) FILTER (WHERE kind = 'post') AS posts,
       count(*) FILTER (WHERE kind = 'comment') AS comments,
       round(avg(compound), 3) AS mean_compound,
       round(avg(CASE WHEN label = 'positive' THEN 1 ELSE 0 END), 2) AS positive,
       round(avg(CASE WHEN label = 'negative' THEN 1 ELSE 0 END), 2) AS negative,
       min(day) AS first_day, max(day) AS last_day
FROM scored_posts
WHERE $communities IS NULL OR list_contains($communities, community)
GROUP BY ALL
ORDER BY segment, community;
