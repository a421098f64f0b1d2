-- `voyage probe show`: the probe with id $wanted, or whose URL (without scheme, www. and port) contains it.
SELECT * FROM probe_response
WHERE CAST(probe_id AS VARCHAR) = $wanted
   OR probe_id IN (SELECT probe_id FROM probes
                   WHERE contains(url_key, regexp_replace($wanted, '^(?:https?://)?(?:www\.)?([^/:]+)(?::\d+)?', '\1')))
ORDER BY probe_id
LIMIT 1;
