-- Temp table touched_facts: the customers of the touched cases as fct_cases resolves them now,
-- with the cases' opening and brand.
create or replace temp table touched_facts as
select resolved_customer_id, opened_at, brand from (
{sql}
)
