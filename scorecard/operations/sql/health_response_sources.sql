-- Per survey-only source (no cases of its own): its responses, the newest of them and how many
-- days ago that was, beside its loads (from `loads`).
with loaded as (
    select source, count(*) as loads, sum(rows_loaded) as rows_loaded,
           sum(rows_quarantined) as rows_quarantined, max(finished_at) as last_load_at
    from loads where status = 'loaded' group by source
),
responses as (
    select l.source, count(*) as responses, min(s.responded_at) as first_response,
           max(s.responded_at) as last_response
    from stg_surveys s join loads l using (load_id)
    where l.source not in (select source from fct_cases)
    group by l.source
)
select source, r.responses, r.first_response, r.last_response,
       date_diff('second', r.last_response, now()) / 86400.0 as days_since_last,
       l.loads, l.rows_loaded, l.rows_quarantined, l.last_load_at
from responses r join loaded l using (source)
order by source
