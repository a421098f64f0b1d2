-- `voyage probe show URL` for a thread that is no probe: how matching stored threads were answered (the 5 newest,
-- with how many matched).
SELECT community, title, url, published_at, thread_compound, replies, reply_mean_compound,
       reply_positive_share, reply_negative_share, first_reply_after, last_reply_at, count(*) OVER () AS matching
FROM thread_response
WHERE thread_id = $thread OR contains(url, $thread)
ORDER BY published_at DESC
LIMIT 5;
