INSERT OR REPLACE INTO runs VALUES ($run_id, $community, $started_at, $finished_at, $status, $fetched, $new,
    $updated, $missed, $requests, $error_class, $error, $duration_s);
