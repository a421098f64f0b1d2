-- `voyage trends`: weekly sentiment per community, in the window (default: the last $weeks weeks stored).
SELECT community, segment, week, posts, comments, mean_compound, change, negative_share
FROM sentiment_weekly
WHERE picked(community, segment, week, week + 6, $community, $segment, $since, $until)
  AND (CAST($since AS DATE) IS NOT NULL
       OR week >= (SELECT max(week) FROM sentiment_weekly) - to_weeks(CAST($weeks AS INTEGER) - 1))
ORDER BY community, week;
