-- Give the incoming tweets of registered table _kept (tweet_id, old) their stored text back.
update inc set text = k.old from _kept k where inc.tweet_id = k.tweet_id
