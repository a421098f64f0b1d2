-- The stored segments and communities, for a one-line "unknown ... (known: ...)" error.
SELECT 'segment' AS kind, segment AS name FROM communities
UNION
SELECT 'community', name FROM communities
ORDER BY kind, name;
