-- One round of the walk down: the stored replies to the tweets the last round added that are not
-- reached yet become the front and join thread_down; returns how many joined (0: walked whole).
create or replace temp table thread_front as
select r.tweet_id from raw_twcs as r
semi join thread_front as f on r.in_response_to = f.tweet_id
anti join thread_down as d on r.tweet_id = d.tweet_id;

insert into thread_down select f.tweet_id from thread_front as f
