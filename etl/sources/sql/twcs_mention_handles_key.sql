-- The current set of handles beyond agent authors, lower-cased, sorted and comma-joined ('' when
-- none). Filled in by etl/sources/twcs_brands.py from code only: mention_handles
-- (twcs_mention_handles.sql).
select coalesce(string_agg(lower(mention), ',' order by lower(mention)), '')
from ({mention_handles})
