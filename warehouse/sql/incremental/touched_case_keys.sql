-- Temp table {table}: the UTC days of opening (with {groups} beside them for a model with
-- day_groups) of the touched cases, before and after the rebuild: the days whose messages or raw
-- cases (stg_*) this load changed. {groups}: empty, or `, <column>` for each day group (code only).
create or replace temp table {table} as
select floor(epoch(opened_at) / 86400)::bigint as utc_day{groups} from before_fct_cases
where interaction_id in (select interaction_id from touched)
union
select floor(epoch(opened_at) / 86400)::bigint as utc_day{groups} from rebuilt_fct_cases
where interaction_id in (select interaction_id from touched)
