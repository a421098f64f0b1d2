-- Retention: the quoted sentence of mentions in posts published before $before; value and sentiment stay.
UPDATE mentions SET sentence = ''
WHERE sentence <> '' AND post_id IN (SELECT post_id FROM posts WHERE published_at < $before);
