-- Remove every Twitter message (before all are rewritten).
delete from messages where interaction_id like 'twcs:%'
