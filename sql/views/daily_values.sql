-- The per-day ACCEPT value rollup (rollup_values) with each community's segment and week: the base of the grid
-- and the value trends. Only communities still listed, as value_sentences has them.
CREATE OR REPLACE VIEW daily_values AS
SELECT v.community, c.segment, v.day, CAST(date_trunc('week', v.day) AS DATE) AS week, v.value, v.mentions,
       v.sentences, v.posts, v.compound_sum, v.negatives
FROM rollup_values v
JOIN communities c ON c.name = v.community;
