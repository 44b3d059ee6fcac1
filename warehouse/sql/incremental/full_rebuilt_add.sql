-- Record a model rebuilt in full during an incremental build (its checks at publish read all
-- its rows: warehouse/checks.py).
create temp table if not exists full_rebuilt (name varchar);
insert into full_rebuilt values ($name)
