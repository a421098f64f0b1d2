-- `voyage trends --by segment`: weekly sentiment per segment, in the window (default: the last $weeks weeks stored).
SELECT segment, week, communities, texts, mean_compound, change, negative_share
FROM segment_sentiment_weekly
WHERE picked(NULL, segment, week, week + 6, NULL, $segment, $since, $until)
  AND CAST($community AS VARCHAR) IS NULL  -- `voyage trends --community` reads per community
  AND (CAST($since AS DATE) IS NOT NULL
       OR week >= (SELECT max(week) FROM segment_sentiment_weekly) - to_weeks(CAST($weeks AS INTEGER) - 1))
ORDER BY segment, week;
