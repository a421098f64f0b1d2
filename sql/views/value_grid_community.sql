-- The Customer Value Grid per community x ACCEPT value, all time (measures: see sql/macros/value_grid_cells.sql).
CREATE OR REPLACE VIEW value_grid_community AS
SELECT cell AS community, segment, value, scored_posts, mentions, posts, share, mean_compound, negative_share, lift, other_language
FROM value_grid_cells('community', NULL, NULL);
