-- The stored ids being erased, sorted.
select distinct k from erase_keys order by k
