-- Probes: threads the marketer posted, observed run after run. Snapshots are append-only: the response curve.
CREATE SEQUENCE IF NOT EXISTS probe_ids START 1;

CREATE TABLE IF NOT EXISTS probes (
    probe_id      INTEGER PRIMARY KEY DEFAULT nextval('probe_ids'),
    url           VARCHAR NOT NULL,
    url_key       VARCHAR NOT NULL UNIQUE,  -- the URL without scheme, www. and port: one probe per thread
    community     VARCHAR NOT NULL,
    thread_id     VARCHAR,                  -- the thread's post_id, once read
    topic         VARCHAR NOT NULL,
    hypothesis    VARCHAR,
    declared      VARCHAR NOT NULL,         -- 'cli' (voyage probe add) or 'config' ([[probe]] in voyage.toml)
    created_at    TIMESTAMP NOT NULL,
    observe_until TIMESTAMP NOT NULL,       -- observed by every run until then (default: 30 days)
    closed_at     TIMESTAMP                 -- `voyage probe close`: observed no more
);

CREATE TABLE IF NOT EXISTS probe_snapshots (
    probe_id       INTEGER NOT NULL,
    observed_at    TIMESTAMP NOT NULL,
    state          VARCHAR NOT NULL,        -- live / locked / deleted / vanished / unreachable
    note           VARCHAR,
    replies        INTEGER,                 -- by others; NULL when the thread could not be read: never a false 0
    repliers       INTEGER,                 -- unique repliers other than the poster
    depth          INTEGER,                 -- the deepest reply
    poster_replies INTEGER,                 -- the poster's own replies in the thread
    score          INTEGER,                 -- the opening post's score or likes
    first_reply_at TIMESTAMP,
    positive       INTEGER,                 -- replies by VADER label
    neutral        INTEGER,
    negative       INTEGER,
    mean_compound  DOUBLE,                  -- mean sentiment of the replies
    PRIMARY KEY (probe_id, observed_at)
);

-- The ACCEPT values the replies raise at each snapshot, with the sentiment of their sentences.
CREATE TABLE IF NOT EXISTS probe_snapshot_values (
    probe_id      INTEGER NOT NULL,
    observed_at   TIMESTAMP NOT NULL,
    value         VARCHAR NOT NULL,
    sentences     INTEGER NOT NULL,
    mean_compound DOUBLE NOT NULL,
    PRIMARY KEY (probe_id, observed_at, value)
);
