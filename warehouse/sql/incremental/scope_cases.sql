-- The case scope of the rebuild: the touched cases and every case of their (resolved) customers,
-- before and after this load, since a case's next contact (FCR) and follow-ups read the same
-- customer's other cases (fct_cases.sql, agg_social_followups.sql). Every current case of such a
-- customer is either touched or built already under the same customer (identities unchanged).
-- Their stored cases are kept in temp table customer_cases for scope_fct_cases.sql.
create or replace temp table customer_cases as
with customers as (
    select resolved_customer_id from touched_facts where resolved_customer_id is not null
    union
    select resolved_customer_id from fct_cases
    where interaction_id in (select interaction_id from touched) and resolved_customer_id is not null
)
select interaction_id, resolved_customer_id, lower(brand) as brand, opened_at, next_contact_at
from fct_cases
where resolved_customer_id in (select resolved_customer_id from customers);

create or replace temp table scope_interaction_id as
select interaction_id from touched
union
select interaction_id from customer_cases
