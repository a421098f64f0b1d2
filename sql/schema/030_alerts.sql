-- Alerts: a community's day against its own trailing baseline. One per community, kind and day (no storms).
CREATE TABLE IF NOT EXISTS alerts (
    day         DATE NOT NULL,
    community   VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,   -- volume_spike, sentiment_drop, sentiment_rise, value_sentiment_drop:<Value>
    observed    DOUBLE NOT NULL,    -- the day's figure (posts, or mean compound)
    baseline    DOUBLE NOT NULL,    -- the median of the trailing days
    score       DOUBLE NOT NULL,    -- robust z: (observed - median) / (1.4826 x MAD)
    message     VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (day, community, kind)
);
