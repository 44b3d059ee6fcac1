-- Quarantined rows by reason (the text before the first ':'), with the loads they came from.
select split_part(reason, ':', 1) as reason, count(*) as rows, count(distinct load_id) as loads
from quarantine
group by 1
order by 2 desc, 1
