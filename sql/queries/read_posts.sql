-- Every stored post and comment, as the pipeline's Post needs them (for `voyage rescore`). Posts whose raw
-- text retention pruned (title and body both NULL) are left out: their stored mentions are all that is left.
SELECT community, source, external_id, url, thread_id, parent_id, kind, author, title, body, published_at,
       score, reply_count, depth, upvote_ratio, flair, removed
FROM posts
WHERE title IS NOT NULL OR body IS NOT NULL
ORDER BY post_id;
