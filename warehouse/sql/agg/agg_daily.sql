-- Daily (UTC) counts per channel, brand and category: cheap volume views and health checks.
select
    cast(opened_at as date) as day,
    channel,
    brand,
    issue_category,
    count(*) as cases,
    count(*) filter (where answered) as answered,
    count(*) filter (where resolved) as resolved,
    count(*) filter (where handled_privately) as private_handoffs,
    sum(coalesce(handle_seconds, 0)) as handle_seconds
from fct_cases
group by all
