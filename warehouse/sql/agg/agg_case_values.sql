-- Case durations per UTC day x channel x brand as exact distributions: value bins about 9 % wide
-- (12 per factor e from 1 s up; one per whole second below), each with its count, sum, min, max
-- and its values (unsorted: sorting them costs the build more than the few bins a query reads
-- cost the reader). Measures: frt_s, frt_created_s, ttr_s, and frt_business_s (first
-- response in business hours under business_calendar, from the clock in model_settings.frt_clock;
-- see warehouse/calendar.py). The scorecard finds the bin of an order statistic from the counts
-- and sorts that bin's values to read it (scorecard/kpis/data_values.py), so medians stay exact.
-- Ordered by measure and bin, so reading a few bins touches few row groups.
with clock as (
    select coalesce(max(value) = 'case_created', false) as created
    from model_settings
    where key = 'frt_clock'
), t as (
    select
        floor(epoch(opened_at) / 86400)::bigint as utc_day,
        channel,
        brand,
        frt_s,
        frt_created_s,
        ttr_s,
        case when clock.created then frt_created_s else frt_s end as frt,
        epoch(first_response_at) as t_r,
        epoch(case when clock.created then opened_at else first_customer_at end) as t_s
    from fct_cases
    cross join clock
), c as (
    select
        t.*,
        case when t.frt is not null then
            (r.c + greatest(0, least(t.t_r, r.e1) - r.s1) + greatest(0, least(t.t_r, r.e2) - r.s2)
                 + greatest(0, least(t.t_r, r.e3) - r.s3) + greatest(0, least(t.t_r, r.e4) - r.s4))
          - (s.c + greatest(0, least(t.t_s, s.e1) - s.s1) + greatest(0, least(t.t_s, s.e2) - s.s2)
                 + greatest(0, least(t.t_s, s.e3) - s.s3) + greatest(0, least(t.t_s, s.e4) - s.s4))
        end as frt_business_s
    from t
    left join business_calendar r on r.k = floor(t.t_r / 86400)::bigint
    left join business_calendar s on s.k = floor(t.t_s / 86400)::bigint
), m as (
    select utc_day, channel, brand, unnest([
        {'measure': 'frt_s', 'v': frt_s},
        {'measure': 'frt_created_s', 'v': frt_created_s},
        {'measure': 'ttr_s', 'v': ttr_s},
        {'measure': 'frt_business_s', 'v': frt_business_s}
    ]) as p
    from c
), v as (
    select p.measure, p.v, utc_day, channel, brand
    from m
    where p.v is not null
)
select
    measure,
    case when v < 1 then floor(v)::bigint else 1 + floor(ln(v) * 12)::bigint end as bin,
    utc_day,
    channel,
    brand,
    count(*) as n,
    sum(v) as total,
    min(v) as lo,
    max(v) as hi,
    list(v) as vals
from v
group by all
order by measure, bin, utc_day
