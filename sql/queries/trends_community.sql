SELECT community, segment, week, posts, comments, mean_compound, change, negative_share
FROM sentiment_weekly
WHERE week >= (SELECT max(week) FROM sentiment_weekly) - to_weeks(CAST($weeks AS INTEGER) - 1)
ORDER BY community, week;
