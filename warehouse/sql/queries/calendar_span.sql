-- The span the business calendar must cover: every case's opening, first customer message
-- and first response (epoch seconds), over the raw interactions (warehouse/calendar.py).
select
    least(min(epoch(opened_at)), min(epoch(first_customer_at))),
    greatest(max(epoch(opened_at)), max(epoch(first_customer_at)), max(epoch(first_response_at)))
from interactions
