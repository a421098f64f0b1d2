-- `voyage probe list`: every probe, its latest snapshot and how long it is observed.
SELECT probe_id, community, topic, status, state, replies, repliers, mean_compound, snapshots, last_observed, url
FROM probe_response
ORDER BY probe_id;
