-- `voyage probe show`: the ACCEPT values the replies raise at the probe's latest snapshot.
SELECT value, sentences, mean_compound FROM probe_snapshot_values
WHERE probe_id = $id AND observed_at = (SELECT max(observed_at) FROM probe_snapshots WHERE probe_id = $id)
ORDER BY sentences DESC, value;
