-- Every case with when its first-response clock starts (and frt_business_s when the
-- business-hours lookup is joined): the rows of the cases KPIs that name no cost. Filled in by
-- scorecard/kpis/data.py cases_source from code only: extra, joins.
(select c.*{extra} from fct_cases c {joins})
