-- The walk up starts from every tweet of thread_down: thread_closed holds them (and will hold
-- every tweet their roots depend on), thread_front the tweets whose parents are to be looked up.
create or replace temp table thread_closed as select d.tweet_id from thread_down as d;
create or replace temp table thread_front as select d.tweet_id from thread_down as d
