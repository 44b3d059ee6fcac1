-- The days an additive model was updated for (its changed keys' days), for the checks at publish.
insert into scope_day select distinct utc_day from delta_keys_{model}
