-- Temp table texts: the distinct texts of every stored tweet.
create or replace temp table texts as select distinct text from raw_twcs where text is not null
