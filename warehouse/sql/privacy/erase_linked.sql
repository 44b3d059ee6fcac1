-- Widen the erasure to the customer's linked ids (identities, `socialcare load identities`): the
-- customer keys the given keys resolve to (as a stored case id, a key, or an identifier of the
-- identities: handle lower-cased without @, e-mail hash, crm id), then every stored customer id of
-- a case resolving to those keys joins erase_keys, and the links of those keys are deleted.
create or replace temp table erase_customer_keys as
select resolved_customer_id as key from fct_cases
where customer_id in (select k from erase_keys) or resolved_customer_id in (select k from erase_keys)
union
select customer_key from identities
where value in (select k from erase_keys) or value in (select lower(k) from erase_keys);

insert into erase_keys
select distinct customer_id from fct_cases
where resolved_customer_id in (select key from erase_customer_keys)
  and customer_id not in (select k from erase_keys)
union
select key from erase_customer_keys where key not in (select k from erase_keys);

delete from identities where customer_key in (select key from erase_customer_keys);
