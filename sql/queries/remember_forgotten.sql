INSERT INTO forgotten VALUES ($kind, $value, current_timestamp) ON CONFLICT DO NOTHING;
