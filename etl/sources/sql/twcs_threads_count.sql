-- How many tweets have a stored case membership.
select count(*) from twcs_threads
