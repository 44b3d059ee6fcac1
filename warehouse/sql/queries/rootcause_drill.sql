-- The rows behind one KPI value (scorecard/rootcause/data_rootcause.py:drill_rows fills the braces with
-- SQL built from the KPI catalogue): one row per case of the KPI's population (one per survey
-- response for survey KPIs) with dimensions, facts, flags and the full transcript, each
-- message as "time role author [sentiment] [flags]: text" in conversation order
-- (the transcripts are case_transcripts.sql over the picked cases). The surveys joined are fct_surveys for a
-- survey KPI and an empty relation otherwise (survey_id is NULL there: the join matched nothing but
-- still hashed every answer, or every drilled row with its transcript, in memory).
with picked as (
    {picked}
),
transcripts as (
    {transcripts}
)
select
    p.interaction_id,
    p.survey_id,
    coalesce(c.opened_at, s.opened_at) as opened_at,
    s.responded_at,
    coalesce(c.channel, s.channel) as channel,
    coalesce(c.brand, s.brand) as brand,
    coalesce(c.issue_category, s.issue_category) as category,
    coalesce(c.agent_id, s.agent_id) as agent,
    hour(timezone($tz, coalesce(c.opened_at, s.opened_at))) as hour,
    c.status,
    c.answered,
    c.resolved,
    c.{frt} as frt_s,
    c.ttr_s,
    c.customer_sentiment_mean as sentiment,
    c.sentiment_recovery,
    c.cost,
    c.transfers,
    c.handled_privately as private_handoff,
    c.runaround,
    c.reopened,
    c.dq_flags,
    concat_ws(', ', case when c.handled_privately then 'private handoff' end,
                    case when c.runaround then 'run-around' end,
                    case when c.reopened then 'reopened' end,
                    case when c.transfers > 0 then 'transferred' end,
                    nullif(c.dq_flags, '')) as flags,
    c.n_messages,
    s.csat,
    s.nps,
    s.would_recommend,
    s.verbatim,
    p.kpi_value,
    p.n_scored,
    t.transcript
from picked p
left join {cases} c using (interaction_id)
left join {surveys} s on s.survey_id = p.survey_id
left join transcripts t using (interaction_id)
order by opened_at, p.interaction_id, p.survey_id
