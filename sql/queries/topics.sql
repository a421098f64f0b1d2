-- `voyage topics`: per community (or one $community), the $limit words that rose most in each week since $since.
SELECT community, week, term, uses, texts, base_uses, rise, example
FROM emerging_terms(coalesce(CAST($since AS DATE), current_date - 7))
WHERE (CAST($community AS VARCHAR) IS NULL OR community = $community) AND rise > 0
QUALIFY row_number() OVER (PARTITION BY community, week ORDER BY rise DESC, uses DESC, term) <= $limit
ORDER BY community, week DESC, rise DESC;
