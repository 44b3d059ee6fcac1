-- Per local day of opening in [$t_lo, $t_hi): the first and last sent_at of the customer messages
-- with text of the cases opened that day. The anomaly scan's message samples add the bounds of
-- their window's days to their filter (exact: every message of those cases lies inside them), so
-- that a sample reads the stretch of messages its window can hold, not every message
-- (scorecard/anomalies/data_anomalies.py: message_days).
select
    timezone($tz, opened_at)::date as day,
    min(sent_at) as first_at,
    max(sent_at) as last_at
from fct_messages
where author_role = 'customer'
    and text is not null
    and opened_at >= $t_lo
    and opened_at < $t_hi
group by all
