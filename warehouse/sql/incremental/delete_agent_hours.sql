-- The stored rows of agg_agent_hours in its scope (scope_agent_hours.sql), before they are
-- built again: the hours' own rows and the agent-days' rows of single hours.
delete from {model}
where (response_hour is not null
       and row(agent_id, response_hour) in (select row(agent_id, response_hour) from scope_agent_hour))
   or (response_hour is null
       and row(utc_day, channel, brand, agent_id)
       in (select row(utc_day, channel, brand, agent_id) from scope_agent_day))
