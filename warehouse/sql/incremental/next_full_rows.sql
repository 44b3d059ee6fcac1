-- Temp table next_{model}: a model rebuilt in full, to be written back (warehouse/build.py).
create or replace temp table next_{model} as
{sql}
