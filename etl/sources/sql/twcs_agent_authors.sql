-- The authors of stored agent tweets (the brands seen so far).
select distinct author_id from raw_twcs where not inbound
