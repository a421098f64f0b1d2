-- Brand share of voice per community and week: each brand's mentions, the posts mentioning it, its share of
-- all brand mentions in that community that week, and the mean sentiment of the sentences naming it. Summed from
-- the per-day brand rollup (sql/schema/070_rollups.sql).
CREATE OR REPLACE VIEW brand_share_of_voice AS
WITH weekly AS (
    SELECT b.community, c.segment, CAST(date_trunc('week', b.day) AS DATE) AS week, b.brand,
           sum(b.mentions) AS mentions, CAST(sum(b.posts) AS BIGINT) AS posts,
           sum(b.compound_sum) / sum(b.sentences) AS mean_compound
    FROM rollup_brands b
    JOIN communities c ON c.name = b.community
    GROUP BY ALL
)
SELECT community, segment, week, brand, mentions, posts,
       round(mentions / sum(mentions) OVER (PARTITION BY community, week), 4) AS share_of_voice,
       round(mean_compound, 4) AS mean_compound
FROM weekly
ORDER BY community, week, mentions DESC, brand;
