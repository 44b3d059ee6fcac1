-- materialized: view
-- One row per survey response; scores outside their scale are dropped to null, empty ids to null.
select
    survey_id,
    nullif(trim(interaction_id), '') as interaction_id,
    nullif(trim(customer_id), '') as customer_id,
    lower(channel) as channel,
    nullif(trim(brand), '') as brand,
    responded_at,
    case when csat between 1 and 5 then csat end as csat,
    case when nps between 0 and 10 then nps end as nps,
    would_recommend, verbatim, sentiment, load_id
from surveys
