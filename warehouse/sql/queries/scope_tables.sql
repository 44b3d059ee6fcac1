-- Every table and view of the attached snapshot with whether it has a brand column, an
-- interaction_id column or an agent_id column: what a brand-scoped view of it filters on.
select
    table_name,
    bool_or(column_name = 'brand') as has_brand,
    bool_or(column_name = 'interaction_id') as has_case,
    bool_or(column_name = 'agent_id') as has_agent
from information_schema.columns
where table_catalog = 'snapshot' and table_schema = 'main'
group by table_name
order by table_name
