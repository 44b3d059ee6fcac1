-- A ticket row is its whole case: drop the stored messages of the cases a file replaces
-- (`replaced`: their interaction ids) before its messages are merged (etl/load.py).
delete from messages where interaction_id in (select interaction_id from replaced)
