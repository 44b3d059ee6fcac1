-- One row per survey response with the dimensions and outcome of its case when linked.
-- link_method: 'id' = the survey names a case that exists; 'customer_channel_date' = no id, so
-- the customer's latest case on the survey's channel (and brand, when both have one) opened at
-- or up to 7 days before the answer; null = unlinked (no such case, or no customer to pin it
-- to): the response then counts by its own channel, brand and date.
with by_customer as (
    select s.survey_id, c.interaction_id
    from stg_surveys s
    inner join fct_cases c
      on c.customer_id = s.customer_id
     and c.channel = s.channel
     and (s.brand is null or c.brand is null or c.brand = s.brand)
     and c.opened_at <= s.responded_at
     and c.opened_at >= s.responded_at - interval 7 days
    where s.interaction_id is null
    qualify row_number() over (partition by s.survey_id
                               order by c.opened_at desc, c.interaction_id desc) = 1
),
linked as (
    select s.*, coalesce(s.interaction_id, b.interaction_id) as case_id
    from stg_surveys s
    left join by_customer b using (survey_id)
)
select
    s.survey_id,
    s.case_id as interaction_id,
    case when c.interaction_id is null then null
         when s.interaction_id is not null then 'id'
         else 'customer_channel_date' end as link_method,
    coalesce(s.customer_id, c.customer_id) as customer_id,
    coalesce(c.channel, s.channel) as channel,
    coalesce(c.brand, s.brand) as brand,
    c.agent_id,
    coalesce(c.issue_category, 'other') as issue_category,
    coalesce(c.opened_at, s.responded_at) as opened_at,
    s.responded_at,
    s.csat, s.nps, s.would_recommend, s.verbatim, s.sentiment,
    c.frt_s, c.answered, c.resolved, c.status, c.language
from linked s
left join fct_cases c on c.interaction_id = s.case_id
