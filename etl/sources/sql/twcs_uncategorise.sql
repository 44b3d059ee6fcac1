-- Forget the categories of stored customer tweets (the playbook changed); texts emptied by
-- retention keep the category computed while they were there.
update raw_twcs set category = null where inbound and text is not null
