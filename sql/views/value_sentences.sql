-- One row per post, ACCEPT value and sentence that mentions it, with that sentence's VADER compound: the base
-- of the value views. Two terms of one value in one sentence make one row here (and two mentions).
CREATE OR REPLACE VIEW value_sentences AS
SELECT m.post_id, p.community, p.segment, p.kind, p.url, p.published_at, p.week,
       m.name AS value, m.sentence_idx, any_value(m.sentence) AS sentence, any_value(m.compound) AS compound,
       count(*) AS mentions, list(m.term ORDER BY m.span_start) AS terms
FROM mentions m
JOIN scored_posts p USING (post_id)
WHERE m.kind = 'value'
GROUP BY m.post_id, p.community, p.segment, p.kind, p.url, p.published_at, p.week, m.name, m.sentence_idx;
