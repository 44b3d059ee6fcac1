-- Flag stored customer tweets with the opportunities of their text (temp table texts).
update raw_twcs set opportunity = x.opportunity
from texts x
where raw_twcs.inbound and raw_twcs.text = x.text and x.opportunity is not null
