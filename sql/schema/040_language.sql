-- Each text's language (pipeline.language): only English texts are scored; the rest are stored, counted apart in
-- the grid and the coverage panel, and have no sentiment or mentions. NULL: stored before detection existed.
ALTER TABLE posts ADD COLUMN lang VARCHAR;
