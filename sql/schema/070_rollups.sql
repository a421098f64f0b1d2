-- Per-day rollups the marketer views read instead of raw rows (issue 11, "Views at 10M"). Every write of posts,
-- sentiment or mentions re-aggregates the rollup rows of the communities it touched, inside its own transaction
-- (store.refresh_rollups, sql/queries/refresh_rollups.sql), which also fills them when this migration is applied.
-- Counts and sums only, never means, so days, communities and segments add up exactly; a post has one community
-- and one day, so its distinct-post counts add up too. Keyed by community, not segment: a community's segment is
-- read from `communities` at query time, so changing it needs no refresh.

-- Per community and day: the scored texts (as scored_posts has them) and the stored texts not in English.
CREATE TABLE IF NOT EXISTS rollup_days (
    community       VARCHAR NOT NULL,
    day             DATE NOT NULL,
    texts           BIGINT NOT NULL,   -- scored posts and comments
    posts           BIGINT NOT NULL,
    comments        BIGINT NOT NULL,
    compound_sum    DOUBLE NOT NULL,
    positives       BIGINT NOT NULL,   -- label 'positive'
    negatives       BIGINT NOT NULL,   -- label 'negative'
    newest          TIMESTAMP,         -- latest published_at of a scored text
    other_language  BIGINT NOT NULL    -- texts with lang <> 'en', scored or not
);

-- Per community, day and ACCEPT value, over value_sentences (one row per post, value and sentence).
CREATE TABLE IF NOT EXISTS rollup_values (
    community     VARCHAR NOT NULL,
    day           DATE NOT NULL,
    value         VARCHAR NOT NULL,
    mentions      BIGINT NOT NULL,
    sentences     BIGINT NOT NULL,
    posts         BIGINT NOT NULL,     -- distinct posts
    compound_sum  DOUBLE NOT NULL,     -- over sentences
    negatives     BIGINT NOT NULL      -- sentences with compound <= -0.05
);

-- Per community, day and brand, over the sentences naming the brand in scored posts.
CREATE TABLE IF NOT EXISTS rollup_brands (
    community     VARCHAR NOT NULL,
    day           DATE NOT NULL,
    brand         VARCHAR NOT NULL,
    mentions      BIGINT NOT NULL,
    sentences     BIGINT NOT NULL,
    posts         BIGINT NOT NULL,
    compound_sum  DOUBLE NOT NULL
);

-- Per community, day, brand and value: the sentences naming the brand and mentioning the value together.
CREATE TABLE IF NOT EXISTS rollup_brand_values (
    community     VARCHAR NOT NULL,
    day           DATE NOT NULL,
    brand         VARCHAR NOT NULL,
    value         VARCHAR NOT NULL,
    sentences     BIGINT NOT NULL,
    posts         BIGINT NOT NULL,
    compound_sum  DOUBLE NOT NULL,
    positives     BIGINT NOT NULL,     -- compound >= 0.05
    negatives     BIGINT NOT NULL      -- compound <= -0.05
);

-- Per scored thread (its opening post) with what thread_response shows of it and its scored replies, so that view
-- reads one narrow table.
CREATE TABLE IF NOT EXISTS rollup_threads (
    community       VARCHAR NOT NULL,
    thread_id       VARCHAR NOT NULL,  -- the opening post's post_id
    title           VARCHAR,
    url             VARCHAR,
    published_at    TIMESTAMP NOT NULL,
    compound        DOUBLE NOT NULL,
    replies         BIGINT NOT NULL,   -- scored comments in the thread
    compound_sum    DOUBLE,            -- of the replies; NULL without replies
    positives       BIGINT NOT NULL,
    negatives       BIGINT NOT NULL,
    first_reply_at  TIMESTAMP,
    last_reply_at   TIMESTAMP
);

-- The negative scored texts, with what negative_posts shows of each: one table that a `LIMIT` reads by its two
-- sort columns alone (DuckDB's top-N then fetches the other columns of those rows only). Retention blanks its
-- text with the posts' (prune_negatives_text.sql; prune_threads_text.sql blanks rollup_threads' titles).
CREATE TABLE IF NOT EXISTS rollup_negatives (
    community     VARCHAR NOT NULL,
    post_id       VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    published_at  TIMESTAMP NOT NULL,
    compound      DOUBLE NOT NULL,
    text          VARCHAR,
    url           VARCHAR
);

-- Every value sentence with what value_quotes shows of it, ranked within its community x value, so a `LIMIT` on one
-- cell reads one table. Retention blanks its sentences with the mentions' (prune_quotes_text.sql).
CREATE TABLE IF NOT EXISTS rollup_quotes (
    community      VARCHAR NOT NULL,
    value          VARCHAR NOT NULL,
    post_id        VARCHAR NOT NULL,
    sentence_idx   INTEGER NOT NULL,
    compound       DOUBLE NOT NULL,
    sentence       VARCHAR NOT NULL,
    terms          VARCHAR[] NOT NULL,
    url            VARCHAR,
    published_at   TIMESTAMP NOT NULL,
    positive_rank  BIGINT NOT NULL,
    negative_rank  BIGINT NOT NULL
);
