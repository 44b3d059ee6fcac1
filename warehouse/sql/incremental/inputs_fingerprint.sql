-- What the models bake in beyond the cases: the first day of the business calendar (its
-- cumulative seconds count from there), the calendar and clock settings, and the identities.
select
    (select min(k) from business_calendar) as first_day,
    (select string_agg(key || '=' || value, ';' order by key) from model_settings) as settings,
    (select count(*) from identities) as identities,
    (select bit_xor(hash(kind, value, customer_key)) from identities) as identities_hash
