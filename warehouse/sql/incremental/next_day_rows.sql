-- Temp table next_{model}: a daily model's rows as they are to be stored: its rows outside the
-- scope as stored, and those in the scope from its SQL over the restricted inputs (written back
-- whole, so that the table stays compact: warehouse/build.py). {key}: utc_day, or the row of its
-- day and groups (day_groups in models.toml); {scope}: scope_day or scope_group.
create or replace temp table next_{model} as
select * from {model} where {key} not in (select {key} from {scope})
union all
select * from (
{sql}
) where {key} in (select {key} from {scope})
