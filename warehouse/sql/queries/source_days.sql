-- Rows per source, brand, channel and local day (display timezone $tz) in [$t_lo, $t_hi):
-- the cases of each loaded source (fct_cases.source: twcs, pwc, tickets, ...) by opening time,
-- and survey responses as the source 'surveys' (by the opening of their case, else their
-- response time). Read by scorecard/anomalies/data_anomalies.py:source_days for coverage gaps, the
-- sources feeding each slice and each slice's first day.
with rows_ as (
    select source, brand, channel, opened_at as ts from fct_cases
    union all
    select 'surveys' as source, brand, channel, coalesce(opened_at, responded_at) as ts
    from fct_surveys
)
select
    source,
    coalesce(brand, '(none)') as brand,
    coalesce(channel, '(none)') as channel,
    strftime(timezone($tz, ts)::date, '%Y-%m-%d') as day,
    count(*) as n
from rows_
where ts >= $t_lo and ts < $t_hi
group by all
order by all
