-- Temp table incremental_build: the connection's last build was incremental (its scopes are
-- current), so the checks at publish read the scopes (warehouse/checks.py); full_rebuilt lists
-- the models it rebuilt in full (none yet: created empty).
create or replace temp table incremental_build as select 1 as built;
create temp table if not exists full_rebuilt (name varchar)
