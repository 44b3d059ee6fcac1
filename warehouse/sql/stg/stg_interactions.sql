-- materialized: view
-- One row per customer case on any channel, with normalised labels.
select
    interaction_id,
    source,
    lower(channel) as channel,
    platform,
    nullif(trim(brand), '') as brand,
    nullif(trim(customer_id), '') as customer_id,
    nullif(trim(agent_id), '') as agent_id,
    nullif(trim(team), '') as team,
    coalesce(nullif(lower(issue_category), ''), 'other') as issue_category,
    opened_at,
    coalesce(first_customer_at, opened_at) as first_customer_at,
    first_response_at,
    resolved_at,
    coalesce(last_activity_at, resolved_at, first_response_at, opened_at) as last_activity_at,
    status,
    handled_privately,
    transfers,
    handle_seconds,
    reopened,
    dq_flags,
    load_id
from interactions
