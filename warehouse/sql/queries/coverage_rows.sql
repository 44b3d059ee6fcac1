-- The coverage cases (coverage_cases.sql, cases) that match the scorecard's filters (where:
-- scorecard/kpis/data.py where_clause). scorecard/operations/data_staffing.py.
select arrived_s, wait_s, channel, brand, language from ({cases}) c where {where}
