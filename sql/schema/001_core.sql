-- Core tables: communities, posts with their sentiment, mentions, cursors and runs.
-- Times are TIMESTAMP in UTC. post_id = '<source>:<external id>'; thread_id/parent_id are post_ids too.

CREATE TABLE IF NOT EXISTS communities (
    name        VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,
    location    VARCHAR,          -- url or r/subreddit
    segment     VARCHAR NOT NULL,
    keywords    VARCHAR[],
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS posts (
    post_id       VARCHAR PRIMARY KEY,
    community     VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    external_id   VARCHAR NOT NULL,
    url           VARCHAR,
    thread_id     VARCHAR NOT NULL,
    parent_id     VARCHAR,
    kind          VARCHAR NOT NULL,   -- 'post' or 'comment'
    author        VARCHAR,            -- pseudonymised unless [privacy] store_authors = true
    title         VARCHAR,
    body          VARCHAR,
    published_at  TIMESTAMP NOT NULL,
    score         INTEGER,
    reply_count   INTEGER,
    depth         INTEGER NOT NULL DEFAULT 0,
    upvote_ratio  DOUBLE,
    flair         VARCHAR,
    removed       BOOLEAN NOT NULL DEFAULT false,
    content_hash  VARCHAR NOT NULL,   -- of every column above: a changed hash is an update
    first_seen_at TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS post_sentiment (
    post_id    VARCHAR PRIMARY KEY,
    compound   DOUBLE NOT NULL,
    pos        DOUBLE NOT NULL,
    neu        DOUBLE NOT NULL,
    neg        DOUBLE NOT NULL,
    label      VARCHAR NOT NULL,    -- positive / neutral / negative at VADER's +-0.05
    sentences  INTEGER NOT NULL
);

-- ACCEPT value mentions (kind 'value') and brand mentions (kind 'brand'), each with its sentence's sentiment
CREATE TABLE IF NOT EXISTS mentions (
    post_id       VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    term          VARCHAR NOT NULL,
    sentence_idx  INTEGER NOT NULL,
    span_start    INTEGER NOT NULL,
    span_end      INTEGER NOT NULL,
    sentence      VARCHAR NOT NULL,
    compound      DOUBLE NOT NULL,
    PRIMARY KEY (post_id, kind, name, sentence_idx, span_start)
);

CREATE TABLE IF NOT EXISTS cursors (
    community   VARCHAR PRIMARY KEY,
    cursor      VARCHAR NOT NULL,   -- JSON, see pipeline.models.Cursor
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
    run_id       VARCHAR NOT NULL,
    community    VARCHAR NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP NOT NULL,
    status       VARCHAR NOT NULL,  -- ok / warning / failed / skipped
    fetched      INTEGER NOT NULL DEFAULT 0,
    new          INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    missed       INTEGER NOT NULL DEFAULT 0,
    requests     INTEGER NOT NULL DEFAULT 0,
    error_class  VARCHAR,
    error        VARCHAR,
    duration_s   DOUBLE NOT NULL,
    PRIMARY KEY (run_id, community)
);
