-- Temp table scope_day: the UTC days the next daily model is rebuilt for (filled per input).
create or replace temp table scope_day (utc_day bigint)
