delete from raw_twcs where tweet_id in (select tweet_id from erase_tweets);
