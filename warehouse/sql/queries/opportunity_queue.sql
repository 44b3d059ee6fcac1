-- Opportunity cases (scorecard/cases/opportunities.py): every case whose customer wrote something the
-- [opportunities] phrases flag, with the first flagged customer message, whether that message
-- names the case's brand, and the columns the date, slice and SLA rules read. The caller adds
-- the first-response clock, the SLA and the filters.
with flagged as (
    select interaction_id, arg_min(text, seq) as text, arg_min(sent_at, seq) as flagged_at
    from stg_messages
    where author_role = 'customer' and opportunity is not null
    group by interaction_id
)
select
    c.interaction_id, c.opened_at, c.source, c.channel, c.brand, c.issue_category, c.agent_id,
    c.team, c.language, c.customer_id, c.opportunity as kinds, f.text, f.flagged_at,
    c.brand is not null and contains(lower(coalesce(f.text, '')), lower(c.brand)) as brand_named,
    c.answered, c.status, c.first_response_at, c.frt_s, c.frt_created_s,
    coalesce(c.first_customer_at, c.opened_at) as customer_clock_at
from fct_cases c
inner join flagged f using (interaction_id)
where c.opportunity is not null
