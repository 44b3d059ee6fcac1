-- The span the business-hours lookup must cover: every case's clock start and first response
-- (epoch seconds; plain min/max, read from statistics). scorecard/kpis/data_business.py.
select
    epoch(min(opened_at)), epoch(min(first_customer_at)),
    epoch(max(opened_at)), epoch(max(first_customer_at)),
    epoch(max(first_response_at))
from fct_cases
