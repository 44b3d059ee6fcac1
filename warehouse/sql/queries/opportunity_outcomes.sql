-- Opportunity cases (opportunity_queue.sql, queue) with their outcome: captured (first
-- response within the SLA), missed, or pending at $as_of. From code only: clock (when the
-- first-response clock starts), frt (the configured first-response column), sla (each
-- case's SLA, scorecard/kpis/data_pieces.py sla_sql), where (the scorecard's filters).
select
    *,
    case
        when frt is not null then (case when frt <= sla_s then 'captured' else 'missed' end)
        when epoch($as_of::timestamptz) - epoch({clock}) > sla_s then 'missed'
        else 'pending'
    end as outcome
from (
    select q.*, {frt} as frt, {sla}::double as sla_s
    from ({queue}) q where {where}
) x
order by opened_at desc, interaction_id
