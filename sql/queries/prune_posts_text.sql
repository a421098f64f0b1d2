-- Retention: drop the raw text of posts published before $before; sentiment and mention scores stay.
UPDATE posts SET title = NULL, body = NULL
WHERE published_at < $before AND (title IS NOT NULL OR body IS NOT NULL);
