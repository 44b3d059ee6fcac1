-- The cases (and their agents) of the scoped brands, read from the attached snapshot.
create table scope_cases as
select interaction_id, agent_id from snapshot.main.fct_cases
where brand in (select brand from scope_brands)
