-- The conversations a load rewrote, and how many of them hold agent messages only.
select count(*), count(*) filter (where contains(dq_flags, 'opened_at_inferred'))
from interactions where load_id = ?
