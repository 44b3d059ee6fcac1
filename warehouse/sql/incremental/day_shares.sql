-- The days a daily model is rebuilt for (scope_day) against the days it stores.
select
    (select count(distinct utc_day) from scope_day) as scoped,
    (select count(distinct utc_day) from {model}) as stored
