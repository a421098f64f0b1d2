-- For the run's artifact: each segment's ACCEPT values in the latest week, with the change against the week
-- before (share of posts mentioning the value, and its mean sentiment), largest moves first.
SELECT segment, value, share, share_change, mean_compound, sentiment_change
FROM value_trends_weekly
WHERE week = (SELECT max(week) FROM value_trends_weekly) AND posts > 0
ORDER BY abs(coalesce(share_change, 0)) + abs(coalesce(sentiment_change, 0)) DESC, segment, value
LIMIT 12;
