-- `voyage brands`: each brand's share of voice over the window (all brand mentions, optionally one $segment or
-- $community, since $since), with the mean sentiment of the sentences naming it.
SELECT brand, sum(mentions) AS mentions, sum(posts) AS posts,
       round(sum(mentions) / sum(sum(mentions)) OVER (), 4) AS share_of_voice,
       round(sum(mean_compound * mentions) / sum(mentions), 4) AS mean_compound
FROM brand_share_of_voice
WHERE (CAST($segment AS VARCHAR) IS NULL OR segment = $segment)
  AND (CAST($community AS VARCHAR) IS NULL OR community = $community)
  AND (CAST($since AS DATE) IS NULL OR week >= date_trunc('week', CAST($since AS DATE)))
GROUP BY brand
ORDER BY mentions DESC, brand;
