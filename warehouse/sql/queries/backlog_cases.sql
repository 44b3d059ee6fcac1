-- Cases open at the data's latest time ($as_of) and opened since $since: opened by then, not
-- resolved by then, not an abandoned call; `waiting` = no first response by then. `channel_now`
-- is the latest activity of the case's channel: a channel whose export ends earlier is aged as of
-- its own end. The first-response clock starts at the first customer message (or the case's
-- creation under sla.frt_clock = "case_created": $from_created). {sla} is each case's SLA in
-- seconds (scorecard/kpis/data.py sla_sql: the most specific [sla] rule, values bound).
with ends as (
    select channel, max(last_activity_at) as channel_now from fct_cases group by channel
)
select
    interaction_id,
    channel,
    brand,
    team,
    issue_category,
    agent_id,
    opened_at,
    case when $from_created then opened_at else coalesce(first_customer_at, opened_at) end
        as clock_start_at,
    channel_now,
    first_response_at is null or first_response_at > $as_of as waiting,
    {sla} as sla_s
from fct_cases
join ends using (channel)
where opened_at <= $as_of
  and opened_at >= $since
  and status <> 'abandoned'
  and (resolved_at is null or resolved_at > $as_of)
  and not (status = 'resolved' and resolved_at is null)
