-- `voyage probe report`: a topic posted in more than one community, compared: who answered most and most warmly,
-- and on which values.
WITH latest_values AS (
    SELECT v.probe_id, string_agg(v.value || ' ' || printf('%+.2f', v.mean_compound), ', '
                                  ORDER BY v.sentences DESC, v.value) AS values_raised
    FROM probe_snapshot_values v
    WHERE v.observed_at = (SELECT max(observed_at) FROM probe_snapshots s WHERE s.probe_id = v.probe_id)
    GROUP BY v.probe_id
)
SELECT lower(trim(r.topic)) AS topic, r.community, r.probe_id, r.replies, r.repliers,
       r.mean_compound AS reply_sentiment, n.replies_percentile, l.values_raised
FROM probe_response r
LEFT JOIN probe_norm n USING (probe_id)
LEFT JOIN latest_values l USING (probe_id)
WHERE lower(trim(r.topic)) IN (SELECT lower(trim(topic)) FROM probes GROUP BY 1 HAVING count(DISTINCT community) > 1)
  AND (CAST($id AS INTEGER) IS NULL
       OR lower(trim(r.topic)) = (SELECT lower(trim(topic)) FROM probes WHERE probe_id = $id))
ORDER BY topic, r.replies DESC NULLS LAST, r.mean_compound DESC NULLS LAST;
