-- The latest activity in the data (the warehouse's "as of").
select max(last_activity_at) from fct_cases
