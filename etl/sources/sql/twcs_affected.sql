-- Temp table affected(root_id): the cases to rewrite: those whose tweets joined, left or moved,
-- those holding a tweet of this load (before and after), those whose root replies to one.
create or replace temp table affected as
with moved as (select old_root, new_root from threads_moved),
loaded as (  -- tweets of this load, before and after
    select o.root_id as old_root, n.root_id as new_root
    from twcs_changed c
    left join twcs_threads o using (tweet_id) left join threads_new n using (tweet_id)
),
case_roots as materialized (  -- materialized: joined on two equal keys, raw_twcs gets no join filter
    select root_id from threads_new where tweet_id = root_id
),
parent_loaded as (  -- roots replying to a tweet of this load (a broadcast, say)
    select n.root_id from case_roots n
    join raw_twcs t on t.tweet_id = n.root_id
    where t.in_response_to in (select tweet_id from twcs_changed)
)
select distinct root_id from (
    select old_root as root_id from moved union all select new_root from moved
    union all select old_root from loaded union all select new_root from loaded
    union all select root_id from parent_loaded
) where root_id is not null
