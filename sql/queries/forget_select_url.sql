-- The page at $url (any form of it url_key treats alike) and, when it is a thread's opening post, the whole thread.
CREATE OR REPLACE TEMP TABLE forget_ids AS
WITH page AS (SELECT post_id, thread_id, kind = 'post' AS root FROM posts WHERE url_key(url) = url_key($url))
SELECT post_id, thread_id, root FROM page
UNION
SELECT p.post_id, p.thread_id, false FROM posts p JOIN page ON page.root AND p.thread_id = page.thread_id;
