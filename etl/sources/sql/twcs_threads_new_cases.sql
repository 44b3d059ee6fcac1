-- How many cases there are now (every case holds its root tweet).
select count(*) from threads_new where tweet_id = root_id
