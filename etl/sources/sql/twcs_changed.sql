-- Temp table twcs_changed: the ids of the tweets just merged (read by etl/sources/twcs_cases.py).
create or replace temp table twcs_changed as select tweet_id from inc
