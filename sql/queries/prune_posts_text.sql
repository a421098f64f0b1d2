-- Retention: drop the raw text of posts published before $before; sentiment and mention scores stay.
UPDATE posts SET title = NULL, body = NULL
WHERE published_at < $before AND (coalesce(title, '') <> '' OR coalesce(body, '') <> '');
