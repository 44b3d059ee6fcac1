-- Temp table incremental_build: the connection's last build was incremental (its scopes are
-- current), so the checks at publish read the scopes (warehouse/checks.py).
create or replace temp table incremental_build as select 1 as built
