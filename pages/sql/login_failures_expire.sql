-- SQLite: forget failures older than the window (? = the oldest time still counted).
delete from failures where at < ?
