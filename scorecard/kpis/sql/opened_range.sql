-- The first and last opening of any case (epoch seconds): the span of a local-period label
-- when the period is open-ended (scorecard/kpis/data.py period_sql).
select epoch(min(opened_at)), epoch(max(opened_at)) from fct_cases
