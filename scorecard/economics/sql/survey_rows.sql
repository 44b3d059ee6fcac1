-- The survey answers of cases opened in the period (filters applied), one row each, with the
-- outcome of the linked case and its first-response bucket (fast/slow x resolved/unresolved,
-- unanswered; null when unlinked or the response time is unknown). Filled in by
-- scorecard/economics/data_lift.py from code only: answers (the answers with their case's
-- outcome: fct_surveys alone, or joined to the period's cases) and where (period and filters,
-- bound). Fast: frt <= $fast_s, phone: <= $phone_fast_s.
select
    survey_id, channel, category, would_recommend, nps, linked, answered, resolved, frt,
    case when linked then
        case when not coalesce(answered, false) then 'unanswered'
             when frt is null then null
             when frt <= (case when channel = 'phone' then $phone_fast_s else $fast_s end)
                 then (case when resolved then 'fast_resolved' else 'fast_unresolved' end)
             else (case when resolved then 'slow_resolved' else 'slow_unresolved' end) end
    end as bucket
from ({answers}) src
where {where}
