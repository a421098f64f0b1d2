-- Report: per community and day in the window, the worst status of that day's runs (failed > interrupted >
-- skipped > warning > ok), for the coverage strip.
SELECT r.community, CAST(r.started_at AS DATE) AS day,
       CASE max(CASE r.status WHEN 'failed' THEN 5 WHEN 'interrupted' THEN 4 WHEN 'skipped' THEN 3
                              WHEN 'warning' THEN 2 ELSE 1 END)
           WHEN 5 THEN 'failed' WHEN 4 THEN 'interrupted' WHEN 3 THEN 'skipped' WHEN 2 THEN 'warning' ELSE 'ok'
       END AS status, count(*) AS runs, sum(r.new) AS new
FROM runs r
JOIN communities c ON c.name = r.community
WHERE picked(r.community, c.segment, r.started_at, r.started_at, $community, $segment, $since, $until)
  AND (c.segment <> 'ad hoc' OR CAST($community AS VARCHAR) IS NOT NULL)
GROUP BY ALL
ORDER BY r.community, day;
