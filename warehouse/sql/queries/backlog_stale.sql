-- Unresolved cases opened before the backlog's horizon ($since): counted apart as stale.
select count(*)
from fct_cases
where opened_at < $since
  and status <> 'abandoned'
  and (resolved_at is null or resolved_at > $as_of)
  and not (status = 'resolved' and resolved_at is null)
