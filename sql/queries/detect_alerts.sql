-- New alerts for $day: each community's volume and sentiment, and each value's sentiment, against the same
-- community's previous 28 days as a robust baseline (median and MAD, so a sarcastic forum and a friendly one
-- are each judged by their own normal). A |robust z| of 3.5 or more, with at least 5 texts that day (3 for a
-- value) and 7 days of baseline, is an alert; one per community, kind and day, so reruns add nothing.
INSERT INTO alerts
WITH daily AS (
    SELECT community, day, 'text' AS subject, count(*) AS volume, avg(compound) AS sentiment
    FROM scored_posts WHERE day BETWEEN CAST($day AS DATE) - 28 AND CAST($day AS DATE) GROUP BY ALL
    UNION ALL
    SELECT community, CAST(published_at AS DATE), value, count(*), avg(compound)
    FROM value_sentences WHERE CAST(published_at AS DATE) BETWEEN CAST($day AS DATE) - 28 AND CAST($day AS DATE)
    GROUP BY ALL
),
base AS (
    SELECT community, subject, median(volume) AS mid_volume, mad(volume) AS mad_volume,
           median(sentiment) AS mid_sentiment, mad(sentiment) AS mad_sentiment, count(*) AS days
    FROM daily WHERE day < CAST($day AS DATE) GROUP BY ALL
),
scored AS (
    SELECT t.community, t.subject, t.volume, t.sentiment, b.*,
           (t.volume - b.mid_volume) / greatest(1.4826 * b.mad_volume, 1.0) AS volume_z,
           (t.sentiment - b.mid_sentiment) / greatest(1.4826 * b.mad_sentiment, 0.05) AS sentiment_z
    FROM daily t JOIN base b USING (community, subject)
    WHERE t.day = CAST($day AS DATE) AND b.days >= 7 AND t.volume >= CASE WHEN t.subject = 'text' THEN 5 ELSE 3 END
),
found AS (
    SELECT community, 'volume_spike' AS kind, volume AS observed, mid_volume AS baseline, volume_z AS score,
           printf('%d texts today, against a usual %.0f', volume, mid_volume) AS message
    FROM scored WHERE subject = 'text' AND volume_z >= 3.5
    UNION ALL
    SELECT community, CASE WHEN sentiment_z < 0 THEN 'sentiment_drop' ELSE 'sentiment_rise' END, sentiment,
           mid_sentiment, sentiment_z,
           printf('mean sentiment %+.2f over %d texts today, against a usual %+.2f', sentiment, volume, mid_sentiment)
    FROM scored WHERE subject = 'text' AND abs(sentiment_z) >= 3.5
    UNION ALL
    SELECT community, 'value_sentiment_drop:' || subject, sentiment, mid_sentiment, sentiment_z,
           printf('%s: sentiment %+.2f over %d sentences today, against a usual %+.2f', subject, sentiment, volume,
                  mid_sentiment)
    FROM scored WHERE subject <> 'text' AND sentiment_z <= -3.5
)
SELECT CAST($day AS DATE), community, kind, round(observed, 4), round(baseline, 4), round(score, 2), message,
       now()::TIMESTAMP
FROM found
ON CONFLICT DO NOTHING
RETURNING day, community, kind, observed, baseline, score, message;
