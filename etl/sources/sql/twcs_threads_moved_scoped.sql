-- Temp table threads_moved: tweets of thread_scope that joined a case, left one or moved (root or
-- position); the stored membership of tweets outside it is unchanged.
create or replace temp table threads_moved as
with o as (
    select t.* from twcs_threads as t semi join thread_scope as s on t.tweet_id = s.tweet_id
)
select tweet_id, o.root_id as old_root, n.root_id as new_root, n.seq
from o full join threads_new as n using (tweet_id)
where o.root_id is distinct from n.root_id or o.seq is distinct from n.seq
