-- Remove the messages of the cases to rewrite.
delete from messages where interaction_id in (select interaction_id from gone)
