-- The resolved customer keys a search term names: a resolved key, a stored customer id, a
-- handle (social cases, case-insensitive, no @), an e-mail or phone hash (the term hashed by
-- the caller as etl/sources/identities.py does), or any identifier of an identities file.
-- $term: as typed, trimmed; $handle: lower-cased without @; $email_hash, $phone_hash: or null.
select distinct key from (
    select resolved_customer_id as key
    from fct_cases
    where resolved_customer_id = $term
       or customer_id = $term
       or customer_id = $email_hash
       or (channel = 'social' and lower(ltrim(customer_id, '@')) = $handle)
    union all
    select customer_key as key
    from stg_identities
    where (kind = 'crm' and value = $term)
       or (kind = 'handle' and value = $handle)
       or (kind = 'email' and value = $email_hash)
       or (kind = 'phone' and value = $phone_hash)
) k
where key is not null
order by key
