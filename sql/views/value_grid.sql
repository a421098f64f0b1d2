-- The Customer Value Grid, segment x ACCEPT value, all time (measures: see sql/macros/value_grid_cells.sql).
CREATE OR REPLACE VIEW value_grid AS
SELECT cell AS segment, value, scored_posts, mentions, posts, share, mean_compound, negative_share, lift, other_language
FROM value_grid_cells('segment', NULL, NULL);
