-- Temp table gone: the interaction ids of the cases to rewrite.
create or replace temp table gone as select 'twcs:' || root_id as interaction_id from affected
