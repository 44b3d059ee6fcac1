-- materialized: view
-- One row per message with the dimensions of its case. A view: storing a second copy of every
-- message (and its text) cost about a third of a bulk load's model build, while the scorecard
-- reads messages through agg_messages_daily and the readers that need rows (transcripts,
-- drill, text drivers, slices by agent) filter first (0.4 s for message KPIs by agent over
-- 3 M messages; 0.02 s for one transcript).
select
    m.*, c.channel, c.brand, c.agent_id, c.issue_category, c.opened_at
from stg_messages m
inner join stg_interactions c using (interaction_id)
