-- A digest of each post as its source sent it (before pseudonymising): a rerun skips scoring and writing a post
-- whose source digest is unchanged. NULL: stored before, or written by a path that does not compute it.
ALTER TABLE posts ADD COLUMN source_hash VARCHAR;
