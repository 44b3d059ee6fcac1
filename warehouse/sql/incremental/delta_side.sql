-- Temp table {side}_{model}: an additive model's rows over the changed cases alone, as they are
-- now (plus) or as they were (minus).
create or replace temp table {side}_{model} as
{sql}
