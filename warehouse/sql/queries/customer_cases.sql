-- Every case of the resolved customers $keys on every channel, in time order, with its status,
-- first response, resolution, survey answers and the path of its customer messages' sentiment.
with surveys as (
    select interaction_id,
           avg(csat) as csat,
           avg(nps) as nps,
           bool_or(would_recommend) as would_recommend,
           count(*) as surveys
    from fct_surveys
    where interaction_id is not null
    group by interaction_id
),
paths as (
    select interaction_id,
           list(round(sentiment, 2) order by seq) as sentiment_path
    from stg_messages
    where author_role = 'customer' and sentiment is not null
      and interaction_id in (select interaction_id from fct_cases
                             where resolved_customer_id in (select unnest($keys)))
    group by interaction_id
)
select
    c.resolved_customer_id as customer,
    c.interaction_id,
    c.channel,
    c.platform,
    c.brand,
    c.issue_category,
    c.customer_id,
    c.opened_at,
    c.status,
    c.first_response_at,
    c.frt_s,
    c.resolved_at,
    c.ttr_s,
    c.n_messages,
    c.reopened,
    c.next_contact_at,
    s.surveys,
    s.csat,
    s.nps,
    s.would_recommend,
    c.first_customer_sentiment,
    c.last_customer_sentiment,
    p.sentiment_path
from fct_cases c
left join surveys s using (interaction_id)
left join paths p using (interaction_id)
where c.resolved_customer_id in (select unnest($keys))
order by c.opened_at, c.interaction_id
