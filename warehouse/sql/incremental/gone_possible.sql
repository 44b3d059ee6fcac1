-- Whether a built case may be gone (its interaction deleted by this load, its loader, an erasure
-- or a retention run). When fct_cases was built and published it held one row per interaction
-- (checks at publish: key and row count), and every interaction written since is in touched (this
-- load's id, or listed by its loader). So the built cases still stored are the untouched
-- interactions plus the touched ones that were built; fewer than the built cases means a gone one.
-- Counting those reads the ids of fct_cases against the ~30k touched, not all ids against all.
select
    (select count(*) from fct_cases)
    > (select count(*) from interactions)
    - (select count(*) from interactions where interaction_id in (select interaction_id from touched))
    + (
        select count(*) from fct_cases
        where interaction_id in (
            select interaction_id from interactions
            where interaction_id in (select interaction_id from touched)
        )
    )
