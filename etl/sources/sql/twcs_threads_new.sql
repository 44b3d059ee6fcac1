-- Temp table threads_new: root and position (seq 1.. by time, then id, within each case) of every
-- stored tweet in a case, from the registered arrow table threads_arrow (root -1: in no case).
create or replace temp table threads_new as
select tweet_id, root_id,
       (row_number() over (partition by root_id order by t, tweet_id))::integer as seq
from threads_arrow where root_id >= 0
