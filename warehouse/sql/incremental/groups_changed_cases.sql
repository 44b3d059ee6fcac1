-- Temp table groups_changed_cases: the (UTC day of opening, {groups}) of the case scope's rows
-- whose columns {columns} (those a daily model reads) differ between before and after the
-- rebuild, as they were and as they are (a case that moved brand changes both of its groups):
-- days_changed_cases.sql by the groups a daily model's key holds beside its day.
create or replace temp table groups_changed_cases as
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
select distinct floor(epoch(opened_at) / 86400)::bigint as utc_day, {groups} from changed
