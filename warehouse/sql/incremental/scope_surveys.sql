-- The survey scope: responses of this load ($load) or gone since, and those linked to, naming or
-- (without a case id) from the customer of a case whose fct_cases row changed (before or after
-- the load), since fct_surveys links such a response to the customer's latest case
-- (fct_surveys.sql); a response reads nothing else.
create or replace temp table scope_survey_id as
with changed as (select interaction_id from changed_fct_cases),
customers as (
    select customer_id from before_fct_cases
    where interaction_id in (select interaction_id from changed) and customer_id is not null
    union
    select customer_id from rebuilt_fct_cases
    where interaction_id in (select interaction_id from changed) and customer_id is not null
)
select survey_id from surveys where load_id = $load
union
(select survey_id from fct_surveys
except
select survey_id from surveys)
union
select survey_id from fct_surveys
where interaction_id in (select interaction_id from changed)
union
select survey_id from stg_surveys
where interaction_id in (select interaction_id from changed)
union
select survey_id from stg_surveys
where interaction_id is null and customer_id in (select customer_id from customers)
