-- Each raw text with its mojibake repair (`fixes`: raw -> text, kinds), the raw text where none.
create temp table inc as
select
    b.raw,
    b.inbound,
    f.kinds as repaired,
    coalesce(f.text, b.raw) as repaired_text
from batch as b
left join fixes as f on b.raw = f.raw
