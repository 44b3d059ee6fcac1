-- The sources with cases on the UTC days and slices of a request (where: model filters and
-- $d_lo/$d_hi day bounds, scorecard/kpis/capabilities.py present_sources).
select distinct source from agg_cases_daily where {where}
