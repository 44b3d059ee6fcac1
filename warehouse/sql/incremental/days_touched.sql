-- Temp table days_touched: the UTC days of opening of the touched cases, before and after the
-- rebuild: the days whose messages or raw cases (stg_*) this load changed.
create or replace temp table days_touched as
select floor(epoch(opened_at) / 86400)::bigint as utc_day from before_fct_cases
where interaction_id in (select interaction_id from touched)
union
select floor(epoch(opened_at) / 86400)::bigint from rebuilt_fct_cases
where interaction_id in (select interaction_id from touched)
