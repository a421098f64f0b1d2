-- Every stored post and comment with its sentiment, one Parquet partition per day published.
SELECT p.* EXCLUDE (content_hash), s.compound, s.pos, s.neu, s.neg, s.label, s.sentences,
       CAST(p.published_at AS DATE) AS day
FROM posts p LEFT JOIN post_sentiment s USING (post_id)
