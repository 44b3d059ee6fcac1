-- The value stored under one etl_state key (?; no row when none is stored).
select value from etl_state where key = ?
