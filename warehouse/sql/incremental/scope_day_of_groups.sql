-- The days of the next daily model's groups (scope_day: the checks at publish and its share).
insert into scope_day select distinct utc_day from scope_group
