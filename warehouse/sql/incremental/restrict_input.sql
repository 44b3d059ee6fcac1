-- A model input restricted to the scope (warehouse/incremental.py): the temp view {name} hides
-- the stored relation of that name while one model is rebuilt for the scope's keys.
create or replace temp view {name} as
select * from {source} where {expr} in (select {column} from {scope})
