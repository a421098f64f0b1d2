INSERT INTO communities VALUES ($name, $kind, $location, $segment, $keywords, $now)
ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, location = excluded.location,
    segment = excluded.segment, keywords = excluded.keywords, updated_at = excluded.updated_at;
