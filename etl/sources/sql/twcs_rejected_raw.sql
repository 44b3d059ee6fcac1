-- The required fields of the rejected rows (temp table bad), comma-joined: the quarantine's `raw`.
-- Filled in by etl/sources/twcs.py from code only: fields (coalesce(<column>, '') of each
-- required column, as the file names it) and table (the CSV reader's temp table).
select _line, concat_ws(',', {fields}) as raw from {table}
where _line in (select line from bad)
