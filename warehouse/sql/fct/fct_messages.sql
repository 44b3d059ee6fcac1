-- compression: text=zstd
-- One row per message with the dimensions of its case.
select
    m.*, c.channel, c.brand, c.agent_id, c.issue_category, c.opened_at
from stg_messages m
join stg_interactions c using (interaction_id)
