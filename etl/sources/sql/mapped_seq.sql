-- Each mapped message's place in its conversation (by time, then id).
select message_id, (row_number() over (partition by interaction_id order by sent_at, message_id))::integer as seq
from msgs
