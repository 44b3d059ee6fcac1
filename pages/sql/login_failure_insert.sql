-- SQLite: count one failed login (?1 key, ?2 time).
insert into failures values (?, ?)
