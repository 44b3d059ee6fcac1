-- Every stored tweet's id, parent (-1 when none), direction, time in microseconds and whether this
-- load merged it: the input of the threads a load can touch (etl/sources/twcs_cases.py
-- _scoped_threads).
select tweet_id, coalesce(in_response_to, -1) as parent, inbound, epoch_us(created_at) as t,
       tweet_id in (select c.tweet_id from twcs_changed as c) as changed
from raw_twcs
