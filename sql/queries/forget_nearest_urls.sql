-- Stored page URLs closest to $url, as hints when `voyage forget --url` matched nothing.
SELECT url FROM (SELECT DISTINCT url FROM posts WHERE url IS NOT NULL)
ORDER BY jaro_winkler_similarity(url_key(url), url_key($url)) DESC, url
LIMIT 3;
