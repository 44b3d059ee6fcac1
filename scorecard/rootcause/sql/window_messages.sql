-- Customer messages in cases opened in window a and in window b, a deterministic hash sample
-- of at most $limit each (scorecard/rootcause/data_rootcause.py customer_messages). From code
-- only: messages (warehouse/queries.py SOURCES), where_a and where_b (where_clause, values bound).
with s as (
    select 'a' as period, * from {messages} m where text is not null and {where_a}
    union all
    select 'b' as period, * from {messages} m where text is not null and {where_b}
),
r as (
    select *, row_number() over (partition by period order by hash(message_id), message_id) as k
    from s
)
select period, interaction_id, sent_at, text
from r
where k <= $limit
order by period, sent_at, interaction_id
