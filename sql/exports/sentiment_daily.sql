-- Daily sentiment per community (one small file).
SELECT * FROM sentiment_daily
