-- Per source: its cases and the count of each capability (counts: sums of agg_cases_daily's
-- count columns, or the fact-table filters, from scorecard/kpis/capabilities.py; table one of
-- agg_cases_daily, fct_cases).
select source, {counts} from {table} group by source
