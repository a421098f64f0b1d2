-- `voyage grid`: the Customer Value Grid by segment or community ($by), for texts published since $since
-- (NULL: all), optionally one $segment. Lift is against all communities in the window.
SELECT * FROM value_grid_cells($by, $since)
WHERE CAST($segment AS VARCHAR) IS NULL OR segment = $segment;
