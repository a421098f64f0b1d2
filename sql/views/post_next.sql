-- What to post next: per community, the ACCEPT values and brands that draw the strongest and most polarised
-- replies. For the threads whose opening post raises the value (or names the brand): how many replies they draw
-- against the community's average thread (reply_lift), how those replies feel, and how split they are
-- (polarisation: the spread, standard deviation, of the replies' sentiment). At least 2 such threads.
CREATE OR REPLACE VIEW post_next AS
WITH threads AS (
    SELECT t.community, t.post_id, count(c.post_id) AS replies, avg(cs.compound) AS reply_compound,
           stddev_pop(cs.compound) AS spread
    FROM posts t
    LEFT JOIN posts c ON c.thread_id = t.post_id AND c.post_id <> t.post_id AND NOT c.removed
    LEFT JOIN post_sentiment cs ON cs.post_id = c.post_id
    WHERE t.kind = 'post' AND NOT t.removed
    GROUP BY t.community, t.post_id
),
usual AS (SELECT community, avg(replies) AS avg_replies FROM threads GROUP BY community),
raised AS (SELECT DISTINCT post_id, kind, name FROM mentions WHERE kind IN ('value', 'brand'))
SELECT t.community, r.kind, r.name, count(*) AS threads, round(avg(t.replies), 1) AS avg_replies,
       round(avg(t.replies) / nullif(any_value(u.avg_replies), 0), 2) AS reply_lift,
       round(avg(t.reply_compound), 3) AS reply_sentiment,
       round(avg(t.spread), 3) AS polarisation
FROM threads t
JOIN raised r USING (post_id)
JOIN usual u USING (community)
GROUP BY t.community, r.kind, r.name
HAVING count(*) >= 2
ORDER BY t.community, reply_lift DESC NULLS LAST, polarisation DESC NULLS LAST;
