-- The brands of a brand-scoped reader ($b), in its in-memory database (scorecard/service.py).
create table scope_brands as select unnest($b::varchar[]) as brand
