-- A daily model's input while its rows are updated by difference (warehouse/incremental.py,
-- additive models): the temp view fct_cases hides the stored model behind the rows of temp table
-- {table} (rebuilt_fct_cases: the changed cases as they are now; before_fct_cases: as they were)
-- whose key changed_fct_cases holds.
create or replace temp view fct_cases as
select * from {table}
where interaction_id in (select interaction_id from changed_fct_cases)
