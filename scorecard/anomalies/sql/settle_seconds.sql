-- How long a case takes to settle: the 95th percentile of last activity minus opening (seconds).
select quantile_cont(epoch(last_activity_at) - epoch(opened_at), 0.95) from fct_cases
