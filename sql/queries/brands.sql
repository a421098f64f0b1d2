-- `voyage brands`: each brand's share of voice over the window (all brand mentions in the picked communities), with
-- the mean sentiment of the sentences naming it.
SELECT brand, sum(mentions) AS mentions, sum(posts) AS posts,
       round(sum(mentions) / sum(sum(mentions)) OVER (), 4) AS share_of_voice,
       round(sum(mean_compound * mentions) / sum(mentions), 4) AS mean_compound
FROM brand_share_of_voice
WHERE picked(community, segment, week, week + 6, $community, $segment, $since, $until)
GROUP BY brand
ORDER BY mentions DESC, brand;
