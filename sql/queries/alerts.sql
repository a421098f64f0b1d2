-- `voyage alerts`: stored alerts in the window (default: from 7 days ago), newest first.
SELECT a.day, a.community, a.kind, a.score, a.message
FROM alerts a
LEFT JOIN communities c ON c.name = a.community
WHERE picked(a.community, c.segment, a.day, a.day, $community, $segment, coalesce(CAST($since AS DATE), current_date - 7),
             $until)
ORDER BY a.day DESC, abs(a.score) DESC, a.community, a.kind;
