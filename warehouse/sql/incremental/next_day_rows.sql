-- Temp table next_{model}: a daily model's rows as they are to be stored: its rows of the days
-- outside the scope as stored, and those of the scope's days from its SQL over the restricted
-- inputs (written back whole, so that the table stays compact: warehouse/build.py).
create or replace temp table next_{model} as
select * from {model} where utc_day not in (select utc_day from scope_day)
union all
select * from (
{sql}
) where utc_day in (select utc_day from scope_day)
