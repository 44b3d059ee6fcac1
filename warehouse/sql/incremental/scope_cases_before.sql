-- Temp table scope_before: the built rows of the case scope before they are rebuilt (compared
-- with the rebuilt ones for the days a daily model must rebuild; their customers for surveys).
create or replace temp table scope_before as
select * from fct_cases
where interaction_id in (select interaction_id from scope_interaction_id)
