-- Alerts stored since $started (the run that just ended), for the run's summary.
SELECT community, kind, message FROM alerts WHERE created_at >= $started ORDER BY abs(score) DESC, community, kind;
