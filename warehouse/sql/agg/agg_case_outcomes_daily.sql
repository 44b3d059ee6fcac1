-- Case outcomes per UTC day x channel x brand x issue category that depend on a configured
-- number, kept so any setting can be applied exactly when read:
-- recontact_days: for a resolved, never reopened case, the whole days (rounded up) from its
--   opening until the same customer's next repeat contact (fct_cases.next_contact_at: any
--   channel, the same brand when both cases have one; null: none; capped at 400), so
--   "no new contact within N days" (FCR) is recontact_days is null or recontact_days > N for
--   whole N; -1 for a case that is not resolved or was reopened; -2 for a case without a
--   customer id, whose recontact cannot be checked (outside FCR's population).
-- abandoned / waiting: cases without a first response time (frt_s; *_created: frt_created_s,
--   the other clock), abandoned (phone) or still waiting, for the SLA (a waiting case counts as
--   missed once the SLA has passed; scorecard/kpis/data_values.py; not a case whose opening the
--   source does not give, opened_at_inferred: its wait is unknown).
select
    floor(epoch(opened_at) / 86400)::bigint as utc_day,
    channel,
    brand,
    issue_category,
    case when customer_id is null then -2
         when not resolved or reopened then -1
         when next_contact_at is null then null
         else least(400, ceil((epoch(next_contact_at) - epoch(opened_at)) / 86400))::bigint
    end as recontact_days,
    count(*) as cases,
    count(*) filter (where frt_s is null and status = 'abandoned') as abandoned,
    count(*) filter (where frt_s is null and not answered and status <> 'abandoned'
                           and not coalesce(contains(dq_flags, 'opened_at_inferred'), false)) as waiting,
    count(*) filter (where frt_created_s is null and status = 'abandoned') as abandoned_created,
    count(*) filter (where frt_created_s is null and not answered and status <> 'abandoned'
                           and not coalesce(contains(dq_flags, 'opened_at_inferred'), false))
        as waiting_created
from fct_cases
group by all
