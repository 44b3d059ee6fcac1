-- SQLite: forget a key's (?) failures.
delete from failures where key = ?
