-- A model input restricted to the scope (warehouse/incremental.py): its rows in the scope, read
-- once into temp table scoped_{name} (a model may name an input several times: fct_cases reads
-- stg_interactions three times), and the temp view {name} over them, which hides the stored
-- relation of that name while one model is rebuilt for the scope's keys.
create or replace temp table scoped_{name} as
select * from {source} where {expr} in (select {column} from {scope});
create or replace temp view {name} as select * from scoped_{name}
