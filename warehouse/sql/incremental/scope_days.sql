-- Temp table scope_utc_day: every day a daily model was rebuilt for (the checks at publish).
create temp table if not exists scope_utc_day (utc_day bigint);
insert into scope_utc_day select utc_day from scope_day
except
select utc_day from scope_utc_day
