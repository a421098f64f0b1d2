-- The schema version: one row per applied file of sql/schema/.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        VARCHAR NOT NULL,
    applied_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- A digest of every file under sql/schema, sql/macros and sql/views as last applied: when it matches the code's,
-- opening the file skips the migration check and the view rebuild (a quarter of a second a connection).
CREATE TABLE IF NOT EXISTS schema_digest (
    digest      VARCHAR NOT NULL
);
