-- Brand share of voice per community and week: each brand's mentions, the posts mentioning it, its share of
-- all brand mentions in that community that week, and the mean sentiment of the sentences naming it.
CREATE OR REPLACE VIEW brand_share_of_voice AS
WITH brand_sentences AS (
    SELECT m.post_id, p.community, p.segment, p.week, m.name AS brand, m.sentence_idx,
           count(*) AS mentions, any_value(m.compound) AS compound
    FROM mentions m
    JOIN scored_posts p USING (post_id)
    WHERE m.kind = 'brand'
    GROUP BY ALL
)
SELECT community, segment, week, brand,
       sum(mentions) AS mentions,
       count(DISTINCT post_id) AS posts,
       round(sum(mentions) / sum(sum(mentions)) OVER (PARTITION BY community, week), 4) AS share_of_voice,
       round(avg(compound), 4) AS mean_compound
FROM brand_sentences
GROUP BY community, segment, week, brand
ORDER BY community, week, mentions DESC, brand;
