-- The most negative texts first, with where to read them.
CREATE OR REPLACE VIEW negative_posts AS
SELECT community, segment, kind, published_at, compound,
       CASE WHEN kind = 'comment' THEN left(body, 140) ELSE coalesce(nullif(title, ''), left(body, 140)) END AS text, url, post_id
FROM scored_posts
WHERE label = 'negative'
ORDER BY compound, published_at DESC;
