-- Scored customer messages per UTC day of their case's opening x channel x brand x category.
select
    floor(epoch(opened_at) / 86400)::bigint as utc_day,
    channel,
    brand,
    issue_category,
    count(sentiment) as scored,
    sum(sentiment) as sentiment_sum,
    count(*) filter (where sentiment >= 0.05) as positive,
    count(*) filter (where sentiment <= -0.05) as negative
from fct_messages
where author_role = 'customer'
group by all
