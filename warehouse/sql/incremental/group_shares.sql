-- The groups a daily model is rebuilt for (scope_group) against the groups it stores.
select
    (select count(*) from scope_group) as scoped,
    (select count(distinct {key}) from {model}) as stored
