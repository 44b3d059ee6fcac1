delete from interactions where interaction_id in (select interaction_id from erase_cases);
