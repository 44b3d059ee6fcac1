-- Temp table roots: every tweet in a case, to rewrite every Twitter case.
create or replace temp table roots as select * from threads_new
