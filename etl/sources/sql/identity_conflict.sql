-- The first link of a file (incoming_ids) that gives a stored identifier to another customer key.
select n.kind, n.shown, n.path, n.line, n.customer_key, s.path, s.line, s.customer_key
from incoming_ids n join identities s using (kind, value)
where s.customer_key <> n.customer_key
order by n.line, n.kind
limit 1
