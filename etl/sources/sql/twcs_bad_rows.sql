-- The quarantined rows (line, raw, reason) in file order. Filled in by etl/sources/twcs.py from
-- code only: raw (twcs_rejected_raw.sql over the file's columns).
select b.line, r.raw, b.reason from bad b
join ({raw}) r on r._line = b.line
order by b.line
