-- The cases a mapped messages file touches: those of its incoming rows, and those that held a
-- message the incoming record moves elsewhere (etl/sources/mapped_store.py).
create or replace temp table mm_touched as
select interaction_id from incoming
union
select interaction_id from messages where message_id in (select message_id from incoming)
