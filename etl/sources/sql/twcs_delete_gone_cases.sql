-- Remove the cases to rewrite.
delete from interactions where interaction_id in (select interaction_id from gone)
