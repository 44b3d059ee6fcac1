-- 1 when temp table twcs_changed (the tweets a merge wrote) exists, else 0.
select count(*) from information_schema.tables where table_name = 'twcs_changed'
