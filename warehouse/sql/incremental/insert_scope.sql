-- A model's rows in the scope, from its own SQL over the restricted inputs.
insert into {model}
select * from (
{sql}
) where {column} in (select {column} from {scope})
