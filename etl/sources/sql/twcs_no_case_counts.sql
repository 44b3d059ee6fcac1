-- Tweets of one load (?): all of them, agent tweets in no case, customer tweets in no case.
select count(*),
       count(*) filter (where h.tweet_id is null and not t.inbound),
       count(*) filter (where h.tweet_id is null and t.inbound)
from raw_twcs t left join twcs_threads h using (tweet_id)
where t.load_id = ?
