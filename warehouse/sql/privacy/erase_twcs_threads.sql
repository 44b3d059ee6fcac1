delete from twcs_threads
where tweet_id in (select tweet_id from erase_tweets)
   or 'twcs:' || root_id in (select interaction_id from erase_cases);
