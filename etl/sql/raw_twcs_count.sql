-- How many raw tweets are stored (their cases are rebuilt when the mention handles change).
select count(*) from raw_twcs
