-- Store every tweet's case membership.
insert into twcs_threads select tweet_id, root_id, seq from threads_new
