-- SQLite: the failed logins of the throttle, one row per key (user or client address) and time.
create table if not exists failures (key text not null, at real not null)
