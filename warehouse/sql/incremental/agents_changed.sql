-- Whether fct_agents changed (an agent key moved): then agg_agent_frt is rebuilt in full.
select exists(
    (select agent_key, agent_id from fct_agents
    except
    select agent_key, agent_id from agents_before)
    union all
    (select agent_key, agent_id from agents_before
    except
    select agent_key, agent_id from fct_agents)
)
