-- After a load into stored threads only the messages that change are rewritten: those of the
-- tweets that joined a case, left one or moved (threads_moved) and of the load's own tweets.
-- Every other tweet of a rewritten case keeps its root, its position and its stored record, so
-- its message row would be written the same. Temp table messages_stale: the stored membership of
-- those tweets, whose messages are removed (by case and id: the case id narrows the scan); temp
-- table roots narrowed to those tweets, whose messages twcs_messages.sql then writes.
create or replace temp table messages_stale as
select o.tweet_id, o.root_id from twcs_threads as o
semi join (
    select m.tweet_id from threads_moved as m
    union all
    select c.tweet_id from twcs_changed as c
) as x on o.tweet_id = x.tweet_id;

delete from messages
where interaction_id in (select 'twcs:' || s.root_id from messages_stale as s)
  and message_id in (select 'twcs:' || s.tweet_id from messages_stale as s);

create or replace temp table roots as
select r.* from roots as r
semi join (
    select m.tweet_id from threads_moved as m
    union all
    select c.tweet_id from twcs_changed as c
) as x on r.tweet_id = x.tweet_id
