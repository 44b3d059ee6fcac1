-- The most recent loads that recorded warnings ($1: the warning marker, $2: how many).
select load_id, path, message from loads where contains(message, ?) order by started_at desc limit ?
