-- SQLite: the times of a key's (?1) latest failures, at most ?2, newest first.
select at from failures where key = ? order by at desc limit ?
