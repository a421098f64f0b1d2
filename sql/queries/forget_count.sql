SELECT (SELECT count(DISTINCT post_id) FROM forget_ids),
       (SELECT count(*) FROM post_sentiment WHERE post_id IN (SELECT post_id FROM forget_ids)),
       (SELECT count(*) FROM mentions WHERE post_id IN (SELECT post_id FROM forget_ids));
