-- Every stored tweet's id, parent (-1 when none), direction and time in microseconds: the input
-- of the case roots computed in numpy (etl/sources/twcs.py case_roots).
select tweet_id, coalesce(in_response_to, -1) as parent, inbound, epoch_us(created_at) as t
from raw_twcs
