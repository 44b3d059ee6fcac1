-- Add to temp table touched the built cases whose interaction is gone (those not in it already).
insert into touched
select interaction_id from fct_cases
except
select interaction_id from interactions
except
select interaction_id from touched
