-- How many cases there are now: the stored ones outside thread_scope and the new ones in it
-- (every case holds its root tweet).
select (select count(*) from twcs_threads where tweet_id = root_id)
    - (select count(*) from twcs_threads as t semi join thread_scope as s on t.tweet_id = s.tweet_id
       where t.tweet_id = t.root_id)
    + (select count(*) from threads_new where tweet_id = root_id)
