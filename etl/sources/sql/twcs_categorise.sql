-- Set the category and resolution flag of stored customer tweets lacking one, from temp table texts.
update raw_twcs set category = x.category, resolves = x.resolves
from texts x
where raw_twcs.inbound and raw_twcs.text = x.text
  and (raw_twcs.category is null or raw_twcs.resolves is null)
