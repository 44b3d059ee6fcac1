-- The first follow-up of each social case: for a social case with a (resolved) customer id, the
-- same customer's first later case on phone, e-mail or chat to the same brand (a case without a
-- brand matches any brand; brands compared case-insensitively, as fct_cases.next_contact_at),
-- ordered by opened_at, then interaction_id; one row per social case that has one, whenever it
-- came. The FCR window is a setting applied when read: the case was followed within N days when
-- followup_after_s <= N * 86400 (the first follow-up at all is the first within any window), and
-- the follow-up is a resolution (counted once) when followup_resolved and followup_next_contact_s
-- is null or > N * 86400. Costs are applied when read from followup_channel and
-- followup_handle_seconds (scorecard/economics/data_lift.py social_followups). The social case's
-- own dimensions (opened_at, brand, team, issue_category, agent_id, language, source) carry the
-- period and the filters.
with soc as (
    select interaction_id, resolved_customer_id, opened_at, source, brand, team, issue_category,
           agent_id, language
    from fct_cases
    where channel = 'social' and resolved_customer_id is not null
),
other as (
    select interaction_id, resolved_customer_id, opened_at, channel, brand, handle_seconds,
           resolved, next_contact_at
    from fct_cases
    where channel in ('phone', 'email', 'chat') and resolved_customer_id is not null
)
select
    s.interaction_id,
    s.opened_at,
    s.source,
    'social' as channel,
    s.brand,
    s.team,
    s.issue_category,
    s.agent_id,
    s.language,
    o.interaction_id as followup_id,
    o.channel as followup_channel,
    epoch(o.opened_at) - epoch(s.opened_at) as followup_after_s,
    o.handle_seconds as followup_handle_seconds,
    o.resolved as followup_resolved,
    epoch(o.next_contact_at) - epoch(o.opened_at) as followup_next_contact_s
from soc s
inner join other o
    on o.resolved_customer_id = s.resolved_customer_id
   and (o.opened_at > s.opened_at or (o.opened_at = s.opened_at and o.interaction_id > s.interaction_id))
   and (s.brand is null or o.brand is null or lower(s.brand) = lower(o.brand))
qualify row_number() over (partition by s.interaction_id order by o.opened_at, o.interaction_id) = 1
order by s.opened_at
