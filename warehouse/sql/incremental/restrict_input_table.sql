-- A model input restricted to the scope and read once (warehouse/incremental.py): temp table
-- restricted_{name} holds its rows in the scope, and the temp view {name} over it hides the stored
-- relation of that name while one model is rebuilt for the scope's keys.
create or replace temp table restricted_{name} as
select * from {source} where {expr} in (select {column} from {scope});
create or replace temp view {name} as select * from restricted_{name}
