-- Every snapshot of every probe: the response curve, with hours since the thread was posted.
CREATE OR REPLACE VIEW probe_curves AS
SELECT s.probe_id, p.community, p.topic, s.observed_at,
       round(epoch(s.observed_at - r.published_at) / 3600, 1) AS hours_since_posted,
       s.state, s.replies, s.repliers, s.depth, s.poster_replies, s.score, s.positive, s.neutral, s.negative,
       s.mean_compound, s.note
FROM probe_snapshots s
JOIN probes p USING (probe_id)
LEFT JOIN posts r ON r.post_id = p.thread_id
ORDER BY s.probe_id, s.observed_at;
