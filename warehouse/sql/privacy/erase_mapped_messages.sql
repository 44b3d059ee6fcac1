delete from mapped_messages where message_id in (select message_id from erase_messages);
