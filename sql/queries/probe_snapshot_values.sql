-- The ACCEPT values probe $probe_id's replies raise at this snapshot ($now), with their sentences' sentiment.
INSERT INTO probe_snapshot_values
SELECT $probe_id, $now, m.name, count(DISTINCT (m.post_id, m.sentence_idx)), round(avg(m.compound), 4)
FROM mentions m JOIN posts p USING (post_id)
WHERE $counted AND p.thread_id = $thread_id AND p.post_id <> $thread_id AND m.kind = 'value' AND NOT p.removed
  AND p.author IS DISTINCT FROM (SELECT author FROM posts WHERE post_id = $thread_id)  -- others' replies only
GROUP BY m.name;
