-- Cases derived from every message of a mapped messages export (`msgs`): opening, first
-- response, customer and agent, facets of the first message that has them, reopening and
-- resolution (etl/sources/mapped_tables.py cases_from_messages).
with m as (
    select *, row_number() over (partition by interaction_id order by sent_at, message_id) as seq
    from msgs
),
o as (
    select interaction_id,
        coalesce(min(sent_at) filter (where author_role = 'customer'), min(sent_at)) as opened_at
    from m group by interaction_id
),
f as (
    select m.interaction_id, any_value(o.opened_at) as opened_at,
        min(sent_at) filter (where author_role = 'agent' and sent_at >= o.opened_at) as first_response_at,
        arg_min(author_id, seq) filter (where author_role = 'customer') as customer_id,
        arg_min(text, seq) filter (where author_role = 'customer') as customer_text,
        arg_min(author_id, seq) filter (where author_role = 'agent' and sent_at >= o.opened_at) as agent_id,
        count(distinct author_id) filter (where author_role = 'agent') as n_agents,
        count(*) filter (where author_role = 'customer') as n_customer,
        arg_min(channel, seq) filter (where channel is not null) as channel,
        arg_min(platform, seq) filter (where platform is not null) as platform,
        arg_min(brand, seq) filter (where brand is not null) as brand,
        arg_min(issue_category, seq) filter (where issue_category is not null) as label,
        arg_min(source, seq) as source,
        min(created_at) as created_at,
        max(sent_at) as last_activity_at,
        max(sent_at) filter (where author_role = 'customer') as last_customer_at,
        arg_max(resolves, seq) filter (where author_role = 'customer') as last_customer_resolves,
        bool_or(asks_private) as asks_private,
        bool_or(resolves) filter (where author_role = 'customer' and seq < last_unresolving) as reopened
    from (select *, max(seq) filter (where author_role = 'customer' and not resolves)
                        over (partition by interaction_id) as last_unresolving from m) m
    join o using (interaction_id)
    group by m.interaction_id
)
select *,
    first_response_at is not null and last_customer_resolves
        and last_customer_at > first_response_at as is_resolved
from f
