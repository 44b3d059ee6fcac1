-- The most recent loads, newest first ($1: how many). Read by scorecard/operations/health.py.
select load_id, kind, path, status, rows_read, rows_loaded, rows_quarantined, started_at, finished_at
from loads
order by started_at desc
limit ?
