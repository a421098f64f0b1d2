-- Brand x ACCEPT value: how people feel about a brand's Trust, Comfort, ... measured on the sentences that
-- name the brand and mention the value together (each sentence once).
CREATE OR REPLACE VIEW brand_values AS
WITH brand_sentences AS (
    SELECT DISTINCT post_id, name AS brand, sentence_idx FROM mentions WHERE kind = 'brand'
)
SELECT b.brand, v.value,
       count(*) AS sentences,
       count(DISTINCT v.post_id) AS posts,
       count(DISTINCT v.community) AS communities,
       round(avg(v.compound), 4) AS mean_compound,
       round(avg(CASE WHEN v.compound >= 0.05 THEN 1 ELSE 0 END), 4) AS positive_share,
       round(avg(CASE WHEN v.compound <= -0.05 THEN 1 ELSE 0 END), 4) AS negative_share
FROM brand_sentences b
JOIN value_sentences v ON v.post_id = b.post_id AND v.sentence_idx = b.sentence_idx
GROUP BY b.brand, v.value
ORDER BY b.brand, sentences DESC, v.value;
