-- One case's facts ($id; columns: data_cases.py _COLUMNS).
select {columns}, c.customer_id, c.first_response_at, c.resolved_at,
       c.handle_seconds, c.transfers, c.source, c.platform
from fct_cases c where c.interaction_id = $id
