"""The dashboard pages (Dash Pages): one module per page; _*.py are shared components."""
