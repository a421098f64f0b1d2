-- `voyage alerts`: stored alerts since $since (default: the last 7 days), newest first.
SELECT day, community, kind, score, message FROM alerts
WHERE day >= coalesce(CAST($since AS DATE), current_date - 7)
ORDER BY day DESC, abs(score) DESC, community, kind;
