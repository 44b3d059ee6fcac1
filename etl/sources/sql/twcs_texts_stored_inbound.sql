-- Temp table texts: the distinct texts of stored customer tweets.
create or replace temp table texts as
select distinct text from raw_twcs where inbound and text is not null
