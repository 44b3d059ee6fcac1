-- Temp table days_changed_cases: the UTC days of opening of the case scope's rows whose columns
-- {columns} (those a daily model reads) differ between before and after the rebuild
-- (before_fct_cases, rebuilt_fct_cases: warehouse/sql/incremental/rebuilt_rows.sql). Only rows
-- whose key changed_fct_cases holds can differ in any column (about half of the scope).
create or replace temp table days_changed_cases as
with now as (
    select {columns} from rebuilt_fct_cases
    where interaction_id in (select interaction_id from changed_fct_cases)
),
before as (
    select {columns} from before_fct_cases
    where interaction_id in (select interaction_id from changed_fct_cases)
),
changed as (
    (select * from now except select * from before)
    union all
    (select * from before except select * from now)
)
select distinct floor(epoch(opened_at) / 86400)::bigint as utc_day from changed
