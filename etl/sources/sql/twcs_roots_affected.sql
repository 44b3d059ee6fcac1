-- Temp table roots: the tweets of the cases to rewrite.
create or replace temp table roots as
select * from threads_new where root_id in (select root_id from affected)
