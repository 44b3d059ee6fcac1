-- SQLite: the failures of a key, newest first.
create index if not exists failures_key on failures (key, at)
