-- `voyage probe report`: each probe's response curve and its place among its community's threads of the same age.
SELECT r.probe_id, r.community, r.topic, r.state, r.hours_to_first_reply, r.replies_1h, r.replies_1d, r.replies_7d,
       r.replies, r.replies_last_day, r.replies_since_previous, r.mean_compound AS reply_sentiment, n.age_hours, n.baseline_threads,
       n.typical_replies, n.replies_percentile, n.sentiment_percentile,
       CASE WHEN r.state IN ('vanished', 'unreachable') THEN 'the thread could not be read: ' || coalesce(r.note, '')
            WHEN n.baseline_threads IS NULL THEN 'not read yet'
            WHEN n.too_thin THEN 'too few of the community''s threads (' || n.baseline_threads || ') to compare with'
            ELSE 'more replies than ' || round(100 * n.replies_percentile) || '% of the community''s threads at '
                 || round(n.age_hours) || ' hours old (typical: ' || n.typical_replies || '), warmer than '
                 || coalesce(round(100 * n.sentiment_percentile) || '%', 'n/a') || ' of them'
       END || CASE WHEN r.state IN ('locked', 'deleted') THEN ' (' || r.state || ': ' || coalesce(r.note, '') || ')'
                   ELSE '' END AS verdict
FROM probe_response r
LEFT JOIN probe_norm n USING (probe_id)
WHERE CAST($id AS INTEGER) IS NULL OR r.probe_id = $id
ORDER BY r.probe_id;
