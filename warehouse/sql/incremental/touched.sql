-- Temp table touched: every case this load ($load) added, changed or removed: cases and messages
-- written with its id, the cases a loader says it rewrote, and the built cases whose row is gone.
create or replace temp table touched as
select interaction_id from interactions where load_id = $load
union
select interaction_id from messages where load_id = $load
union
select interaction_id from touched_cases
union
(select interaction_id from fct_cases
except
select interaction_id from interactions)
