-- The ids to erase ($1: the customer's keys), extended by erase_linked.sql with the ids an
-- identities file links to them.
create or replace temp table erase_keys as select unnest(?::varchar[]) as k
