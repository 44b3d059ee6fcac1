-- Temp table scope_fct_cases: the cases fct_cases is rebuilt for, within the case scope (the
-- touched cases and customer_cases, the stored cases of their customers: scope_cases.sql). Of a
-- touched customer's other cases only next_contact_at can change (every other column reads the
-- case alone). A case with a brand reads only the later cases of its brand and those without one;
-- a case without a brand reads every later case. So for a customer all of whose cases (stored,
-- and touched before or after this load) have a brand, each brand is apart: a case can change
-- only if its stored next contact is none or at or after the earliest touched case of its brand
-- (t_min; a next contact before t_min is a case before every touched one of the brand, which
-- none can precede; a case opened at or after t_min has its next contact there too, never before
-- its opening); with a case without a brand, t_min is the customer's earliest touched case.
-- Every later case a scoped case's windows read is then scoped too (one before t_min would be a
-- stored next contact before t_min): tests/golden/incremental.md, "The fct_cases scope".
create or replace temp table scope_fct_cases as
with touched_rows as (
    select resolved_customer_id, opened_at, lower(brand) as brand from touched_facts
    union all
    select resolved_customer_id, opened_at, brand from customer_cases
    where interaction_id in (select interaction_id from touched)
),

starts as (
    select
        resolved_customer_id,
        min(opened_at) as t_all,
        bool_or(brand is null) as touched_unbranded
    from touched_rows
    where resolved_customer_id is not null
    group by resolved_customer_id
),

brand_starts as (
    select resolved_customer_id, brand, min(opened_at) as t_brand
    from touched_rows
    where resolved_customer_id is not null and brand is not null
    group by resolved_customer_id, brand
),

cases as (
    select
        f.interaction_id,
        f.resolved_customer_id,
        f.brand,
        f.next_contact_at,
        s.t_all,
        s.touched_unbranded
        or bool_or(f.brand is null) over (partition by f.resolved_customer_id) as unbranded
    from customer_cases as f
    inner join starts as s on f.resolved_customer_id = s.resolved_customer_id
),

bounded as (
    select
        c.interaction_id,
        c.next_contact_at,
        case when c.unbranded then c.t_all else b.t_brand end as t_min
    from cases as c
    left join brand_starts as b
        on c.resolved_customer_id = b.resolved_customer_id and c.brand = b.brand
)

select interaction_id from touched
union
select interaction_id from bounded
where
    t_min is not null
    and (next_contact_at is null or next_contact_at >= t_min)
