-- The load that stored a file with this sha256 ($1), if any: a repeated load is skipped.
select load_id from loads where sha256 = ? and status = 'loaded' order by started_at limit 1
