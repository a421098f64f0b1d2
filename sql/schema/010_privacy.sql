-- Tombstones left by `voyage forget`: what was erased is never stored again when a source still serves it.
-- kind: 'author' (the keyed pseudonym, never the name), 'post' (post_id), 'thread' (thread_id), 'url'.
CREATE TABLE IF NOT EXISTS forgotten (
    kind          VARCHAR NOT NULL,
    value         VARCHAR NOT NULL,
    forgotten_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, value)
);
