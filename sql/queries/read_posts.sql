-- Every stored post and comment, as the pipeline's Post needs them (for `voyage rescore`).
SELECT community, source, external_id, url, thread_id, parent_id, kind, author, title, body, published_at,
       score, reply_count, depth, upvote_ratio, flair, removed
FROM posts
ORDER BY post_id;
