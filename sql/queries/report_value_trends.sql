-- Report: each ACCEPT value's weekly share of the picked communities' scored posts, and its mean sentiment, over
-- the window (default: the last $weeks weeks stored).
WITH picked_posts AS (
    SELECT post_id, week FROM scored_posts
    WHERE picked(community, segment, week, week + 6, $community, $segment, $since, $until)
      AND (CAST($since AS DATE) IS NOT NULL
           OR week >= (SELECT max(week) FROM scored_posts) - to_weeks(CAST($weeks AS INTEGER) - 1))
),
weeks AS (SELECT week, count(*) AS scored_posts FROM picked_posts GROUP BY week)
SELECT w.week, v.value, w.scored_posts, count(DISTINCT v.post_id) AS posts,
       round(count(DISTINCT v.post_id) / w.scored_posts, 4) AS share, round(avg(v.compound), 4) AS mean_compound
FROM weeks w
JOIN value_sentences v ON v.week = w.week AND v.post_id IN (SELECT post_id FROM picked_posts)
GROUP BY w.week, v.value, w.scored_posts
ORDER BY w.week, v.value;
