delete from surveys
where interaction_id in (select interaction_id from erase_cases)
   or customer_id in (select k from erase_keys);
