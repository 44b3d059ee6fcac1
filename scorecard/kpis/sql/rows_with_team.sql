-- Survey answers or customer messages (rows: a KPI source of warehouse/queries.py SOURCES)
-- with their case's team, for a slice or filter by team (scorecard/kpis/data.py source_rows_sql).
(
    select r.*, c.team
    from {rows} r
    left join (select interaction_id, team from fct_cases) c using (interaction_id)
)
