-- The page at $url (trailing slash ignored) and, when it is a thread's opening post, the whole thread.
CREATE OR REPLACE TEMP TABLE forget_ids AS
WITH page AS (SELECT post_id, thread_id, kind = 'post' AS root FROM posts WHERE rtrim(url, '/') = rtrim($url, '/'))
SELECT post_id, thread_id, root FROM page
UNION
SELECT p.post_id, p.thread_id, false FROM posts p JOIN page ON page.root AND p.thread_id = page.thread_id;
