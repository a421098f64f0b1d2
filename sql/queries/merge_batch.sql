-- Apply a staged batch: only new or changed posts are written, with their sentiment and mentions.
INSERT INTO posts
SELECT s.* FROM stage_posts s JOIN stage_changed c USING (post_id)
ON CONFLICT (post_id) DO UPDATE SET
    community = excluded.community, url = excluded.url, thread_id = excluded.thread_id,
    parent_id = excluded.parent_id, kind = excluded.kind, author = excluded.author, title = excluded.title,
    body = excluded.body, published_at = excluded.published_at, score = excluded.score,
    reply_count = excluded.reply_count, depth = excluded.depth, upvote_ratio = excluded.upvote_ratio,
    flair = excluded.flair, removed = excluded.removed, content_hash = excluded.content_hash,
    updated_at = excluded.updated_at, lang = excluded.lang,
    source_hash = coalesce(excluded.source_hash, posts.source_hash);
DELETE FROM post_sentiment WHERE post_id IN (SELECT post_id FROM stage_changed);
INSERT INTO post_sentiment SELECT s.* FROM stage_sentiment s JOIN stage_changed c USING (post_id);
DELETE FROM mentions WHERE post_id IN (SELECT post_id FROM stage_changed);
INSERT INTO mentions SELECT m.* FROM stage_mentions m JOIN stage_changed c USING (post_id);
