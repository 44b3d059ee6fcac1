-- One page of matching cases with each case's first customer message. From code only:
-- columns (data_cases.py _COLUMNS), where (case_where), order (a sortable column and
-- direction), page (`limit $limit offset $offset`, or nothing for every row).
with page as (
    select {columns} from fct_cases c where {where} order by {order} {page}
), first_msg as (
    select interaction_id, arg_min(text, seq) as first_message
    from fct_messages
    where author_role = 'customer' and interaction_id in (select interaction_id from page)
    group by interaction_id
)
select page.*, first_msg.first_message
from page left join first_msg using (interaction_id)
order by {order}
