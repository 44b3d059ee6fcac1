-- Temp table agents_before: fct_agents as built before this load.
create or replace temp table agents_before as select agent_key, agent_id from fct_agents
