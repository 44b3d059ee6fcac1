-- materialized: view
-- One row per identifier linked to a customer key (etl/sources/identities.py): kind handle (lower-cased,
-- no @), email / phone (16-hex sha1 prefix of the lower-cased address / of the digits), crm.
select kind, value, customer_key
from identities
