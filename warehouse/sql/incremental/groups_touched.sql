-- Temp table groups_touched: the (UTC day of opening, {groups}) of the touched cases, before and
-- after the rebuild: days_touched.sql by the groups a daily model's key holds beside its day.
create or replace temp table groups_touched as
select floor(epoch(opened_at) / 86400)::bigint as utc_day, {groups} from before_fct_cases
where interaction_id in (select interaction_id from touched)
union
select floor(epoch(opened_at) / 86400)::bigint, {groups} from rebuilt_fct_cases
where interaction_id in (select interaction_id from touched)
