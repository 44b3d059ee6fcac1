-- One round of the walk up: the parents of the tweets the last round added that are not reached
-- yet, with every tweet of the stored case each of them is in (a case member's ancestors up to
-- its root are members of the case, so one round climbs a whole stored case), become the front
-- and join thread_closed; returns how many joined (0: thread_closed is closed under parents).
create or replace temp table thread_front as
with parents as (
    select distinct r.in_response_to as tweet_id from raw_twcs as r
    semi join thread_front as f on r.tweet_id = f.tweet_id
    anti join thread_closed as c on r.in_response_to = c.tweet_id
    where r.in_response_to is not null
),
their_cases as (
    select t.root_id from twcs_threads as t semi join parents as p on t.tweet_id = p.tweet_id
),
reached as (
    select p.tweet_id from parents as p
    union
    select o.tweet_id from twcs_threads as o semi join their_cases as j on o.root_id = j.root_id
)
select x.tweet_id from reached as x anti join thread_closed as c on x.tweet_id = c.tweet_id;

insert into thread_closed select f.tweet_id from thread_front as f
