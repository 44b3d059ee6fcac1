-- Per source of cases: its cases, the newest of them and how many days ago that was, beside
-- its loads (from `loads`).
with loaded as (
    select source, count(*) as loads, sum(rows_loaded) as rows_loaded,
           sum(rows_quarantined) as rows_quarantined, max(finished_at) as last_load_at
    from loads where status = 'loaded' group by source
),
cases as (
    select source, count(*) as cases, min(opened_at) as first_case, max(opened_at) as last_case
    from fct_cases group by source
)
select source, c.cases, c.first_case, c.last_case,
       date_diff('second', c.last_case, now()) / 86400.0 as days_since_last,
       coalesce(l.loads, 0) as loads, l.rows_loaded, l.rows_quarantined, l.last_load_at
from cases c left join loaded l using (source)
order by source
