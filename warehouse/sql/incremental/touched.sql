-- Temp table touched: every case this load ($load) added or changed: cases and messages written
-- with its id, and the cases a loader says it rewrote (built cases now gone: touched_gone.sql).
create or replace temp table touched as
select interaction_id from interactions where load_id = $load
union
select interaction_id from messages where load_id = $load
union
select interaction_id from touched_cases
