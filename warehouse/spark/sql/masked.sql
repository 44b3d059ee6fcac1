-- Each repaired text with its PII masked (`pii`: raw -> text), the repaired text where nothing matched.
create temp table inc2 as
select
    i.raw,
    i.inbound,
    i.repaired,
    coalesce(p.text, i.repaired_text) as text
from inc as i
left join pii as p on i.repaired_text = p.raw
