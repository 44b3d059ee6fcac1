"""The KPI catalogue (kpis.toml), the Balanced Scorecard's values, status and roll-ups, what each source can measure, and their bridges to the warehouse (data*.py)."""
