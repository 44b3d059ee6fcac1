-- The period's cases by channel and category under the cost model: cases, cost, resolutions
-- (each counted once, as in the cost_per_resolution KPI; FCR window $fcr_days) and cases with a
-- customer id. Filled in by scorecard/economics/data_lift.py from code only: resolution
-- (RESOLUTION_SQL), cases (the costed cases, scorecard/kpis/data.py cases_source) and where
-- (period and filters, bound).
select channel, issue_category as category, count(*) as cases, sum(cost) as cost,
       count(*) filter (where {resolution}) as resolutions,
       count(customer_id) as with_customer
from {cases} src
where {where}
group by all
order by all
