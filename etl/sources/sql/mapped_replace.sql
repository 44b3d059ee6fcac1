-- Replace the touched cases, their messages and the facets of the merged rows (mm_touched,
-- mm_rows) by the rebuilt ones (mm_cases, mm_messages); etl/sources/mapped_store.py. The
-- facets' insert is mapped_facets.sql (its columns come from code).
delete from messages where interaction_id in (select interaction_id from mm_touched)
    or message_id in (select message_id from mm_rows);
delete from mapped_messages where message_id in (select message_id from mm_rows);
delete from interactions where interaction_id in (select interaction_id from mm_touched);
insert into interactions by name select * from mm_cases;
insert into messages by name select * from mm_messages;
