-- Store the new membership of the tweets that joined or moved (those that left have none).
insert into twcs_threads select tweet_id, new_root, seq from threads_moved where new_root is not null
