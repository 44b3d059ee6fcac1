-- Whether the warehouse holds stored alert state yet (before the first `alerts run` it does not).
select count(*) from information_schema.tables where table_name = 'alert_state'
