INSERT INTO cursors VALUES ($community, $cursor, $now)
ON CONFLICT (community) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at;
