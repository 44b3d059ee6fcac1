-- Count invariants checked after an incremental build (warehouse/checks.py): one row per broken
-- one (model, check, difference, detail); none when the rebuilt scopes left nothing stale.
with counts as (
    select
        (select count(*) from interactions) as interactions,
        (select count(*) from fct_cases) as cases,
        (select count(*) from surveys) as surveys,
        (select count(*) from fct_surveys) as fct_surveys,
        (select coalesce(sum(cases), 0) from agg_cases_daily) as daily_cases,
        (select coalesce(sum(cases), 0) from agg_case_outcomes_daily) as outcome_cases
)
select 'fct_cases' as model, 'one row per interaction' as check_name, cases - interactions as n,
       cases || ' vs ' || interactions as detail
from counts where cases <> interactions
union all
select 'fct_surveys', 'one row per survey', fct_surveys - surveys, fct_surveys || ' vs ' || surveys
from counts where fct_surveys <> surveys
union all
select 'agg_cases_daily', 'cases sum to fct_cases', daily_cases - cases, daily_cases || ' vs ' || cases
from counts where daily_cases <> cases
union all
select 'agg_case_outcomes_daily', 'cases sum to fct_cases', outcome_cases - cases,
       outcome_cases || ' vs ' || cases
from counts where outcome_cases <> cases
