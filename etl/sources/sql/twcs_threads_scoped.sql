-- Temp tables threads_new and thread_scope after a load: roots (registered arrow table
-- threads_arrow) of the tweets whose root can change (the load's tweets and their descendants),
-- the whole of every case they join or leave (the other tweets of those cases keep their root)
-- with positions (seq 1.. by time, then id, within each case), and the ids of every tweet
-- looked at (their stored membership is compared with the new one).
create or replace temp table thread_scope as
with cases as (
    select a.root_id from threads_arrow as a where a.root_id >= 0
    union
    select o.root_id from twcs_threads as o semi join threads_arrow as a on o.tweet_id = a.tweet_id
)
select a.tweet_id from threads_arrow as a
union
select o.tweet_id from twcs_threads as o semi join cases as c on o.root_id = c.root_id;

create or replace temp table threads_new as
with members as (
    select a.tweet_id, a.root_id from threads_arrow as a where a.root_id >= 0
    union all
    select o.tweet_id, o.root_id from twcs_threads as o
    semi join thread_scope as s on o.tweet_id = s.tweet_id
    anti join threads_arrow as a on o.tweet_id = a.tweet_id
)
select m.tweet_id, m.root_id,
       (row_number() over (
           partition by m.root_id order by epoch_us(t.created_at), m.tweet_id
       ))::integer as seq
from members as m inner join raw_twcs as t on m.tweet_id = t.tweet_id
