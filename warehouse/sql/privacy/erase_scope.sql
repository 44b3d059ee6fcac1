-- The rows one erasure removes, from the customer's stored keys (temp table erase_keys).
-- Cases: the customer's own on every channel. Tweets: every tweet in the threads of those cases
-- and every tweet the customer wrote anywhere. Messages: those of the cases and the customer's own.
create or replace temp table erase_cases as
select interaction_id from interactions where customer_id in (select k from erase_keys);

create or replace temp table erase_tweets as
select t.tweet_id
from twcs_threads t
where 'twcs:' || t.root_id in (select interaction_id from erase_cases)
union
select tweet_id from raw_twcs where author_id in (select k from erase_keys);

create or replace temp table erase_messages as
select message_id from messages
where interaction_id in (select interaction_id from erase_cases)
   or author_id in (select k from erase_keys)
   or message_id in (select 'twcs:' || tweet_id from erase_tweets);
