-- Every raw text of the batch with its masked text and enrichment; {cols} are the enriched
-- columns of etl/sources/twcs_store.py (_ENRICHED, a closed set in code) prefixed with x.
select
    i.raw,
    i.inbound,
    i.text,
    i.repaired,
    {cols},
    x.redirects and not coalesce(x.engages, false) as is_runaround
from inc2 as i
inner join texts as x on i.text = x.text and i.inbound = x.inbound
