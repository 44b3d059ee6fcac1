-- Update an additive model (every column outside its key a count of fct_cases rows) by
-- difference: each key of a changed case, as it is now or as it was (delta_keys_{model}), takes
-- its stored counts plus those of the changed cases now (plus_{model}) minus those they had
-- before (minus_{model}); a key left without a case ({count} = 0) is gone, as a GROUP BY over
-- fct_cases would not make it. Keys compare NULL to NULL (a case without a brand, a customer
-- without a next contact). Filled in from models.toml by warehouse/incremental.py: {keys} the
-- key columns, {on} their null-safe equality between m and d, {sums} each count summed,
-- {negated} each count negated.
create or replace temp table delta_keys_{model} as
select {keys} from plus_{model}
union
select {keys} from minus_{model};
create or replace temp table merged_{model} as
select {keys}, {sums}
from (
    select m.* from {model} m semi join delta_keys_{model} d on {on}
    union all by name
    select * from plus_{model}
    union all by name
    select {keys}, {negated} from minus_{model}
)
group by all
having sum({count}) > 0;
delete from {model} m using delta_keys_{model} d where {on};
insert into {model} by name select * from merged_{model}
