-- Add the groups of one kind of change (a temp table named in code) to the next model's groups.
insert into scope_group select * from {table}
except
select * from scope_group
