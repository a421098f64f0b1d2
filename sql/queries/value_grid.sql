-- `voyage grid`: the Customer Value Grid by segment or community ($by) for texts published in the window, optionally
-- one $segment or $community. Lift is against all communities in the window.
SELECT * FROM value_grid_cells($by, $since, $until)
WHERE (CAST($segment AS VARCHAR) IS NULL OR segment = $segment)
  AND (CAST($community AS VARCHAR) IS NULL OR cell = $community);
