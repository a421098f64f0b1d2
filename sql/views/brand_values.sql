-- Brand x ACCEPT value: how people feel about a brand's Trust, Comfort, ... measured on the sentences that
-- name the brand and mention the value together (each sentence once). Summed from the per-day brand x value
-- rollup (sql/schema/070_rollups.sql).
CREATE OR REPLACE VIEW brand_values AS
SELECT b.brand, b.value,
       CAST(sum(b.sentences) AS BIGINT) AS sentences,
       CAST(sum(b.posts) AS BIGINT) AS posts,
       count(DISTINCT b.community) AS communities,
       round(sum(b.compound_sum) / sum(b.sentences), 4) AS mean_compound,
       round(sum(b.positives) / sum(b.sentences), 4) AS positive_share,
       round(sum(b.negatives) / sum(b.sentences), 4) AS negative_share
FROM rollup_brand_values b
JOIN communities c ON c.name = b.community
GROUP BY b.brand, b.value
ORDER BY b.brand, sentences DESC, b.value;
