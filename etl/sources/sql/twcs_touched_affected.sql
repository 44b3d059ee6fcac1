-- The cases rewritten (temp table gone), listed for the incremental model build
-- (warehouse/incremental.py reads temp table touched_cases).
create temp table if not exists touched_cases (interaction_id varchar);
insert into touched_cases select interaction_id from gone
