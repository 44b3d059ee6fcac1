-- Store the incoming tweets with their enrichment (the stored one when known, else the one just
-- computed for their text) and the load id (?). Filled in by etl/sources/twcs_store.py from code
-- only: merged_columns (coalesce(k.<column>, x.<column>) as <column> for each column of ENRICHED).
insert into raw_twcs by name
select i.tweet_id, i.author_id, i.inbound, i.created_at, i.text, i.in_response_to,
       {merged_columns}, ? as load_id
from inc i
left join inc_known k using (tweet_id)
left join (select * exclude (redirects, engages),
                  redirects and not coalesce(engages, false) as is_runaround
           from texts) x
  on k.tweet_id is null and x.text = i.text and x.inbound = i.inbound
