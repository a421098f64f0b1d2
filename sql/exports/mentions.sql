-- Every ACCEPT value and brand mention with its sentence's sentiment, partitioned by the post's day.
SELECT m.*, p.community, CAST(p.published_at AS DATE) AS day
FROM mentions m JOIN posts p USING (post_id)
