-- The period's social cases followed within the FCR window ($fcr_days) by the same customer's
-- first contact on phone, e-mail or chat to the same brand, joined from the cases (the reading of
-- a brand scope, or of a warehouse built before agg_social_followups; the same numbers). Filled in
-- by scorecard/economics/data_lift.py from code only: cases (the costed cases source), opened
-- (the period widened by the window) and where (period and filters, bound).
with allc as (select * from {cases} src where {opened}),
soc as (select interaction_id, resolved_customer_id, brand, opened_at, issue_category
        from allc where {where} and channel = 'social' and resolved_customer_id is not null),
first_followup as (
    select s.issue_category as category, o.channel, o.cost,
           (o.resolved and (o.next_contact_at is null
                            or epoch(o.next_contact_at) - epoch(o.opened_at) > $fcr_days * 86400))
               as resolution
    from soc s
    inner join allc o
      on o.resolved_customer_id = s.resolved_customer_id and o.channel in ('phone', 'email', 'chat')
     and (o.opened_at > s.opened_at or (o.opened_at = s.opened_at and o.interaction_id > s.interaction_id))
     and epoch(o.opened_at) - epoch(s.opened_at) <= $fcr_days * 86400
     and (s.brand is null or o.brand is null or lower(s.brand) = lower(o.brand))
    qualify row_number() over (partition by s.interaction_id order by o.opened_at, o.interaction_id) = 1
)
select category, channel, count(*) as followed, sum(cost) as cost,
       count(*) filter (where resolution) as resolutions
from first_followup
group by all
order by all
