-- The most negative texts first, with where to read them (from rollup_negatives, sql/schema/070_rollups.sql).
CREATE OR REPLACE VIEW negative_posts AS
SELECT n.community, c.segment, n.kind, n.published_at, n.compound, n.text, n.url, n.post_id
FROM rollup_negatives n
JOIN communities c ON c.name = n.community
ORDER BY n.compound, n.published_at DESC;
