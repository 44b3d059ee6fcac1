-- Temp table scope_group: the (UTC day, {groups}) groups the next daily model is rebuilt for
-- (filled per input); its days go to scope_day.
create or replace temp table scope_group as
select floor(epoch(opened_at) / 86400)::bigint as utc_day, {groups} from rebuilt_fct_cases
where false
