-- Store a file's links (incoming_ids) that are not stored yet.
insert into identities
select kind, value, customer_key, path, line, load_id
from incoming_ids n
where not exists (select 1 from identities s where s.kind = n.kind and s.value = n.value)
