-- Report: every probe's snapshots (replies so far at each observation), for the response-curve chart.
SELECT probe_id, community, topic, observed_at, hours_since_posted, state, replies, repliers, mean_compound
FROM probe_curves
ORDER BY probe_id, observed_at;
