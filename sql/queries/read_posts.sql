-- Every stored post and comment, as the pipeline's Post needs them (for `voyage rescore`). Posts without any
-- text (retention pruned it, or the source removed it) are left out: their stored mentions are all there is.
SELECT community, source, external_id, url, thread_id, parent_id, kind, author, title, body, published_at,
       score, reply_count, depth, upvote_ratio, flair, removed
FROM posts
WHERE (coalesce(title, '') <> '' OR coalesce(body, '') <> '') AND post_id > $after
ORDER BY post_id
LIMIT $limit;
