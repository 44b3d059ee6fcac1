-- Remove the stored versions of the incoming tweets (the later record wins).
delete from raw_twcs where tweet_id in (select tweet_id from inc)
