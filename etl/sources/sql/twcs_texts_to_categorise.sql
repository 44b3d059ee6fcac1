-- Temp table texts: the distinct texts of stored customer tweets lacking a category or a
-- resolution flag.
create or replace temp table texts as
select distinct text, true as inbound
from raw_twcs where inbound and (category is null or resolves is null)
