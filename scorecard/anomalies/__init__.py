"""Anomalies in the daily KPI series: baselines, the scan, incidents that group one event's flags, coverage gaps."""
