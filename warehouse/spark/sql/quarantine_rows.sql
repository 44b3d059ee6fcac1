-- Rejected rows of a Spark build (registered as `_q`) into the quarantine table.
insert into quarantine
select
    load_id,
    path,
    line,
    raw,
    reason
from _q
