-- The quote bank: every sentence that mentions an ACCEPT value, with its sentiment, community and permalink,
-- ranked within its grid cell (community x value) from the most positive (positive_rank = 1) and from the
-- most negative (negative_rank = 1), newest first among equals. Ranked as each write stores them (rollup_quotes,
-- sql/schema/070_rollups.sql).
CREATE OR REPLACE VIEW value_quotes AS
SELECT q.value, q.community, c.segment, q.compound, q.sentence, q.url, q.published_at, q.post_id, q.sentence_idx,
       q.terms, q.positive_rank, q.negative_rank
FROM rollup_quotes q
JOIN communities c ON c.name = q.community
ORDER BY q.community, q.value, q.compound DESC;
