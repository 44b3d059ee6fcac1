-- The facets each merged message's case is derived from (facets: MESSAGE_FACETS, from code).
insert into mapped_messages by name select message_id, {facets}, load_id from mm_rows
