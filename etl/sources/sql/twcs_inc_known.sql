-- Temp table inc_known: incoming tweets stored already with the same masked text and direction,
-- with their stored enrichment. Filled in by etl/sources/twcs_store.py from code only:
-- known_columns (r.<column> for each enrichment column of ENRICHED); limit: `limit 0` when no
-- incoming tweet is stored (twcs_inc_stored.sql: the table is then made empty without reading a
-- stored text), else nothing.
create or replace temp table inc_known as
select i.tweet_id, {known_columns}
from inc i join raw_twcs r using (tweet_id)
where r.text = i.text and r.inbound = i.inbound
{limit}
