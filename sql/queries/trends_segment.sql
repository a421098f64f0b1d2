SELECT segment, week, communities, texts, mean_compound, change, negative_share
FROM segment_sentiment_weekly
WHERE week >= (SELECT max(week) FROM segment_sentiment_weekly) - to_weeks(CAST($weeks AS INTEGER) - 1)
ORDER BY segment, week;
