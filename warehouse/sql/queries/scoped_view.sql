-- One table of the snapshot behind a brand-scoped view of the same name (name and source
-- from the snapshot's own catalogue, keep one of the scope predicates in scorecard/service.py).
create view "{name}" as select * from {source} where {keep}
