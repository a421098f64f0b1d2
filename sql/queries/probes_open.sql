-- The probes a run observes at $now: open ones (not closed, inside their observation window), or exactly $only.
SELECT probe_id, url, community, thread_id, topic FROM probes
WHERE CASE WHEN CAST($only AS INTEGER[]) IS NULL THEN closed_at IS NULL AND observe_until >= $now
           ELSE list_contains(CAST($only AS INTEGER[]), probe_id) END
ORDER BY probe_id;
