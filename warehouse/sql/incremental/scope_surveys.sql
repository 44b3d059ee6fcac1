-- The survey scope: responses of this load ($load) or gone since, those linked to a case of the
-- case scope, naming one, or without a case id from a customer of one (before or after the
-- load), since fct_surveys links such a response to the customer's latest case (fct_surveys.sql).
create or replace temp table scope_survey_id as
with customers as (
    select customer_id from scope_before where customer_id is not null
    union
    select customer_id from fct_cases
    where interaction_id in (select interaction_id from scope_interaction_id)
      and customer_id is not null
)
select survey_id from surveys where load_id = $load
union
(select survey_id from fct_surveys
except
select survey_id from surveys)
union
select survey_id from fct_surveys
where interaction_id in (select interaction_id from scope_interaction_id)
union
select survey_id from stg_surveys
where interaction_id in (select interaction_id from scope_interaction_id)
union
select survey_id from stg_surveys
where interaction_id is null and customer_id in (select customer_id from customers)
