-- Temp tables scope_agent_day and scope_agent_hour: what agg_agent_hours is rebuilt for after
-- fct_cases changed. An agent-hour (agent, UTC hour of first response) holds one row per day x
-- channel x brand of its answered cases when those span several, else it adds one single hour
-- to its agent-day (day x channel x brand x agent) row (warehouse/sql/agg/agg_agent_hours.sql).
-- A case whose columns read here changed (changed_fct_cases, before or after: a moved next
-- contact alone changes no agent-hour) changes its agent-hours (changed hours);
-- those change the agent-day rows of every case in them, before or after (scope_agent_day);
-- an agent-day row sums all the hours of its cases, each needing all its cases to tell whether
-- it is single: scope_agent_hour is the changed hours and the hours of the agent-days' cases.
-- Rows outside both scopes read no changed case (tests/golden/incremental.md).
create or replace temp table changed_case_hours as
with now as (
    select interaction_id, opened_at, channel, brand, agent_id, first_response_at, answered
    from rebuilt_fct_cases
    where interaction_id in (select interaction_id from changed_fct_cases)
),
before as (
    select interaction_id, opened_at, channel, brand, agent_id, first_response_at, answered
    from before_fct_cases
    where interaction_id in (select interaction_id from changed_fct_cases)
),
rows_changed as (
    (
        select * from now
        except
        select * from before
    )
    union all
    (
        select * from before
        except
        select * from now
    )
)
select
    floor(epoch(opened_at) / 86400)::bigint as utc_day, channel, brand, agent_id,
    floor(epoch(first_response_at) / 3600)::bigint as response_hour
from rows_changed
where answered and agent_id is not null;

create or replace temp table scope_agent_day as
with hours as (select distinct agent_id, response_hour from changed_case_hours),
now as (
    select
        floor(epoch(opened_at) / 86400)::bigint as utc_day, channel, brand, agent_id,
        floor(epoch(first_response_at) / 3600)::bigint as response_hour
    from fct_cases
    where answered and agent_id is not null
)
select utc_day, channel, brand, agent_id from now
where row(agent_id, response_hour) in (select row(agent_id, response_hour) from hours)
union
select utc_day, channel, brand, agent_id from changed_case_hours;

create or replace temp table scope_agent_hour as
select agent_id, response_hour from changed_case_hours
union
select agent_id, floor(epoch(first_response_at) / 3600)::bigint
from fct_cases
where answered and agent_id is not null
    and row(floor(epoch(opened_at) / 86400)::bigint, channel, brand, agent_id)
    in (select row(utc_day, channel, brand, agent_id) from scope_agent_day)
