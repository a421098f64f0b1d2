-- Report: brand x ACCEPT value in the window, on the sentences that name the brand and mention the value together.
WITH brand_sentences AS (
    SELECT DISTINCT m.post_id, m.name AS brand, m.sentence_idx
    FROM mentions m JOIN scored_posts p USING (post_id)
    WHERE m.kind = 'brand' AND picked(p.community, p.segment, p.day, p.day, $community, $segment, $since, $until)
)
SELECT b.brand, v.value, count(*) AS sentences, round(avg(v.compound), 4) AS mean_compound
FROM brand_sentences b
JOIN value_sentences v ON v.post_id = b.post_id AND v.sentence_idx = b.sentence_idx
GROUP BY b.brand, v.value
ORDER BY b.brand, sentences DESC, v.value;
