-- The per-day rollup of scored texts (rollup_days) with each community's segment and week: the base of the
-- sentiment views, the grid and the trends. Only communities still listed, as scored_posts has them.
CREATE OR REPLACE VIEW daily_texts AS
SELECT d.community, c.segment, d.day, CAST(date_trunc('week', d.day) AS DATE) AS week, d.texts, d.posts,
       d.comments, d.compound_sum, d.positives, d.negatives, d.newest, d.other_language
FROM rollup_days d
JOIN communities c ON c.name = d.community;
