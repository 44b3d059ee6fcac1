-- Customers' messages in the cases of one period and filter (scorecard/rootcause/data_shortfall.py:
-- customer_texts), a deterministic hash sample of at most $limit, for the topic-term
-- breakdown of a shortfall. {where} is the period and dimension filter built in code.
with m as (
    select interaction_id, message_id, text
    from fct_messages src
    where author_role = 'customer' and text is not null and {where}
),
ranked as (
    select *, row_number() over (order by hash(message_id), message_id) as k from m
)
select interaction_id, text from ranked where k <= $limit order by interaction_id, message_id
