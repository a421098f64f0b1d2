-- The quote bank: every sentence that mentions an ACCEPT value, with its sentiment, community and permalink,
-- ranked within its grid cell (community x value) from the most positive (positive_rank = 1) and from the
-- most negative (negative_rank = 1), newest first among equals.
CREATE OR REPLACE VIEW value_quotes AS
SELECT value, community, segment, compound, sentence, url, published_at, post_id, sentence_idx, terms,
       row_number() OVER (PARTITION BY community, value ORDER BY compound DESC, published_at DESC, post_id)
           AS positive_rank,
       row_number() OVER (PARTITION BY community, value ORDER BY compound ASC, published_at DESC, post_id)
           AS negative_rank
FROM value_sentences
ORDER BY community, value, compound DESC;
