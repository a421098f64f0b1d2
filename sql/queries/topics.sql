-- `voyage topics`: per community, the $limit words that rose most in each week of the window (default: from 7 days
-- ago).
SELECT t.community, t.week, t.term, t.uses, t.texts, t.base_uses, t.rise, t.example
FROM emerging_terms(coalesce(CAST($since AS DATE), current_date - 7)) t
JOIN communities c ON c.name = t.community
WHERE picked(t.community, c.segment, t.week, t.week + 6, $community, $segment, NULL, $until) AND t.rise > 0
QUALIFY row_number() OVER (PARTITION BY t.community, t.week ORDER BY t.rise DESC, t.uses DESC, t.term) <= $limit
ORDER BY t.community, t.week DESC, t.rise DESC;
