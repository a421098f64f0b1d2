-- The Customer Value Grid by segment (one small file).
SELECT * FROM value_grid
