-- Cases open at the data's latest time ($as_of): opened by then, not resolved by then, not an
-- abandoned call (scorecard/backlog.py splits off those older than its horizon); `waiting` = no
-- first response by then. `channel_now` is the latest activity of the case's channel: a channel
-- whose export ends earlier is aged as of its own end. The first-response clock starts at the
-- first customer message (or the case's creation under sla.frt_clock = "case_created").
with ends as (
    select channel, max(last_activity_at) as channel_now from fct_cases group by channel
)
select
    c.interaction_id,
    c.channel,
    c.brand,
    c.team,
    c.issue_category,
    c.agent_id,
    c.opened_at,
    case when $from_created then c.opened_at else coalesce(c.first_customer_at, c.opened_at) end
        as clock_start_at,
    e.channel_now,
    c.first_response_at is null or c.first_response_at > $as_of as waiting
from fct_cases c
join ends e using (channel)
where c.opened_at <= $as_of
  and c.status <> 'abandoned'
  and (c.resolved_at is null or c.resolved_at > $as_of)
  and not (c.status = 'resolved' and c.resolved_at is null)
