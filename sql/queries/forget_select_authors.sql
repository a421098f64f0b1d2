-- The posts and comments written by any of $authors: stored pseudonyms or, if opted in, raw names
-- (given lower-cased with single spaces; stored names are compared the same way).
CREATE OR REPLACE TEMP TABLE forget_ids AS
SELECT post_id, thread_id, false AS root FROM posts
WHERE list_contains($authors, lower(regexp_replace(trim(author), '\s+', ' ', 'g')));
