-- How many cases are to be rewritten.
select count(*) from affected
