-- Forget the membership of the tweets that joined, left or moved.
delete from twcs_threads where tweet_id in (select tweet_id from threads_moved)
