-- Additive facts of cases per UTC day (days since 1970-01-01) x source x channel x brand x team x
-- issue category. Counts and sums only, so the scorecard adds whole UTC days exactly and reads the
-- partial days at a period's edges from fct_cases; costs and the playbook are applied when read.
-- with_response / with_resolution / with_customer / with_agent count the cases carrying each
-- measure: a source whose cases never carry one cannot carry the KPIs that need it
-- (scorecard/kpis/capabilities.py).
select
    floor(epoch(opened_at) / 86400)::bigint as utc_day,
    source,
    channel,
    brand,
    team,
    issue_category,
    count(*) as cases,
    count(*) filter (where answered) as answered,
    count(*) filter (where resolved) as resolved,
    count(*) filter (where reopened) as reopened,
    count(*) filter (where channel = 'social') as social,
    count(*) filter (where channel = 'social' and handled_privately) as social_private,
    count(*) filter (where channel = 'social' and answered) as social_answered,
    count(*) filter (where channel = 'social' and answered and handled_privately) as social_answered_private,
    count(*) filter (where n_agent_messages > 0) as with_agent_messages,
    count(*) filter (where n_agent_messages > 0 and runaround) as runaround,
    count(*) filter (where answered and transfers > 0) as transferred,
    sum(coalesce(handle_seconds, 0)) as handle_s,
    sum(sentiment_recovery) as recovery_sum,
    count(sentiment_recovery) as recovery_n,
    count(first_response_at) as with_response,
    count(*) filter (where resolved or resolved_at is not null) as with_resolution,
    count(customer_id) as with_customer,
    count(agent_id) as with_agent
from fct_cases
group by all
