-- Every post and comment with its community, segment and sentiment: the base of the other views.
CREATE OR REPLACE VIEW scored_posts AS
SELECT p.post_id, p.community, c.segment, p.kind, p.thread_id, p.parent_id, p.url, p.title, p.body,
       p.author, p.published_at, CAST(p.published_at AS DATE) AS day,
       CAST(date_trunc('week', p.published_at) AS DATE) AS week,
       p.score, p.reply_count, s.compound, s.pos, s.neu, s.neg, s.label
FROM posts p
JOIN communities c ON c.name = p.community
JOIN post_sentiment s USING (post_id)
WHERE NOT p.removed;
