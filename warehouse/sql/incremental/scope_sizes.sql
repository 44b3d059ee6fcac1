-- The case scope against all cases: the rebuild is incremental only below a share of them.
select
    (select count(*) from scope_interaction_id),
    (select count(*) from interactions)
