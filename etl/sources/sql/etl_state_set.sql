-- Store a value (?2) under an etl_state key (?1), replacing any.
insert or replace into etl_state values (?, ?)
