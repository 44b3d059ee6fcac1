-- Temp tables rebuilt_{model} (the model's rows in the scope from its SQL over the restricted
-- inputs) and before_{model} (its stored rows in the scope), then changed_{model}: the keys
-- whose row differs, is new or is gone. Only those rows are rewritten, so that the file grows by
-- what changed, not by the whole scope (deleted rows keep their blocks until a row group empties).
create or replace temp table rebuilt_{model} as
select * from (
{sql}
) where {column} in (select {column} from {scope});
create or replace temp table before_{model} as
select * from {model} where {column} in (select {column} from {scope});
create or replace temp table changed_{model} as
select {column} from (select * from rebuilt_{model} except select * from before_{model})
union
select {column} from (select * from before_{model} except select * from rebuilt_{model})
