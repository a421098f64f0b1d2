-- Per community: what is stored and how the last run went (one small file).
SELECT * FROM community_summary
