-- One row per survey response with the dimensions and outcome of its case when linked.
select
    s.survey_id,
    s.interaction_id,
    coalesce(s.customer_id, c.customer_id) as customer_id,
    coalesce(c.channel, s.channel) as channel,
    coalesce(c.brand, s.brand) as brand,
    c.agent_id,
    coalesce(c.issue_category, 'other') as issue_category,
    coalesce(c.opened_at, s.responded_at) as opened_at,
    s.responded_at,
    s.csat, s.nps, s.would_recommend, s.verbatim, s.sentiment,
    c.frt_s, c.answered, c.resolved, c.status
from stg_surveys s
left join fct_cases c using (interaction_id)
