-- One row per agent with a small integer key (agent_key) that lets per-agent aggregates group
-- by an integer instead of a string (agg_agent_frt).
with agents as (
    select distinct agent_id
    from stg_interactions
    where agent_id is not null
)
select
    (row_number() over (order by agent_id))::integer as agent_key,
    agent_id
from agents
