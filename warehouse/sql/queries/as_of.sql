-- The latest activity in the data: the 'now' of SLA checks, so results are reproducible.
select max(last_activity_at) from fct_cases
