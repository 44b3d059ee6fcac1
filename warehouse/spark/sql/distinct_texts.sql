-- The distinct masked texts the enrichment runs on (etl/sources/twcs_store.py _enrich_texts).
create temp table texts as
select distinct
    text,
    inbound
from inc2
