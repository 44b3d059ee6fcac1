-- Temp table threads_moved: tweets that joined a case, left one or moved (root or position).
create or replace temp table threads_moved as
select tweet_id, o.root_id as old_root, n.root_id as new_root, n.seq
from twcs_threads o full join threads_new n using (tweet_id)
where o.root_id is distinct from n.root_id or o.seq is distinct from n.seq
