-- agg_agent_hours' rows in its scope, from its own SQL over the cases of the scope's hours.
insert into {model}
select * from (
{sql}
)
where (response_hour is not null
       and row(agent_id, response_hour) in (select row(agent_id, response_hour) from scope_agent_hour))
   or (response_hour is null
       and row(utc_day, channel, brand, agent_id)
       in (select row(utc_day, channel, brand, agent_id) from scope_agent_day))
