-- The id, parent (-1 when none), direction and time (microseconds) of every tweet of
-- thread_closed (the load's tweets, their descendants and every tweet those depend on), and
-- whether it is one of the load's tweets or their descendants (thread_down): the input of their
-- roots (etl/sources/twcs.py case_roots).
select r.tweet_id, coalesce(r.in_response_to, -1) as parent, r.inbound,
       epoch_us(r.created_at) as t,
       r.tweet_id in (select d.tweet_id from thread_down as d) as touched
from raw_twcs as r semi join thread_closed as c on r.tweet_id = c.tweet_id
