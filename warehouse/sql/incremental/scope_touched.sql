-- The case scope while the customers of the touched cases are found: the touched cases.
create or replace temp table scope_interaction_id as select interaction_id from touched
