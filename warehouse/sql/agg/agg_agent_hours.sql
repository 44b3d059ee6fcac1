-- Agent-hours behind "cases per agent hour", without scanning every case. An agent-hour is an
-- agent and a UTC hour of first responses. One whose answered cases all share one UTC day of
-- opening, channel and brand is summed into its agent-day row (single_hours, response_hour
-- null); the others keep one row per hour, so a distinct count over them stays exact for any
-- slice: agent-hours = sum(single_hours) + count(distinct (agent_id, response_hour)).
with g as (
    select
        floor(epoch(opened_at) / 86400)::bigint as utc_day,
        channel,
        brand,
        agent_id,
        floor(epoch(first_response_at) / 3600)::bigint as response_hour,
        count(*) as cases
    from fct_cases
    where answered and agent_id is not null
    group by all
), h as (
    select *, count(*) over (partition by agent_id, response_hour) as rows_of_hour
    from g
)
select utc_day, channel, brand, agent_id, null::bigint as response_hour, sum(cases) as cases,
       count(*) as single_hours
from h
where rows_of_hour = 1
group by all
union all
select utc_day, channel, brand, agent_id, response_hour, cases, 0 as single_hours
from h
where rows_of_hour > 1
