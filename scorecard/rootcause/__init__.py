"""Root cause: why a KPI is short of its target (shortfall), what changed against a comparison period (change), mix/rate attribution and text drivers."""
