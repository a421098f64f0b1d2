-- `voyage probe report`: what to post next, per community: the values and brands whose threads drew the most
-- replies against the community's average, and the most split replies (view post_next); the top 3 of each.
SELECT * FROM post_next
WHERE CAST($id AS INTEGER) IS NULL OR community = (SELECT community FROM probes WHERE probe_id = $id)
QUALIFY row_number() OVER (PARTITION BY community ORDER BY reply_lift DESC NULLS LAST, polarisation DESC) <= 3
ORDER BY community, reply_lift DESC NULLS LAST;
