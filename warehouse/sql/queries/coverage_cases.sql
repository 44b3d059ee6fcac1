-- One row per case for the coverage view (scorecard/operations/data_staffing.py): when the customer's clock
-- started (epoch seconds), whether and how fast the first response came, and the columns the
-- date and slice filters read (scorecard.kpis.data.where_sql, applied by the caller).
select
    epoch(coalesce(first_customer_at, opened_at)) as arrived_s,
    epoch(first_response_at) - epoch(coalesce(first_customer_at, opened_at)) as wait_s,
    opened_at, source, channel, brand, issue_category, agent_id, team, language
from fct_cases
