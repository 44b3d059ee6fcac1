-- Temp tables of the walk through the threads a load touches (etl/sources/twcs_cases.py
-- _walked_links): thread_down, the load's tweets and, once walked, their descendants;
-- thread_front, the tweets the last round added.
create or replace temp table thread_down as select c.tweet_id from twcs_changed as c;
create or replace temp table thread_front as select c.tweet_id from twcs_changed as c
