-- Temp table {table}: the UTC days of opening (with {groups} beside them for a model with
-- day_groups) of the case scope's rows whose columns {columns} (those a daily model reads)
-- differ between before and after the rebuild, as they were and as they are (before_fct_cases,
-- rebuilt_fct_cases: warehouse/sql/incremental/rebuilt_rows.sql). Only rows whose key
-- changed_fct_cases holds can differ in any column (about half of the scope). {groups}: empty, or
-- `, <column>` for each day group (code only).
create or replace temp table {table} as
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
select distinct floor(epoch(opened_at) / 86400)::bigint as utc_day{groups} from changed
