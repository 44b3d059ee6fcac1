update quarantine set raw = null
where raw is not null and load_id in (select load_id from loads where started_at < ?);
