-- The survey rows (survey_rows.sql) grouped: one row per distinct outcome with `weight`, its
-- number of responses. Filled in by scorecard/economics/data_lift.py from code only: rows.
select channel, category, would_recommend, nps, linked, resolved, bucket, count(*) as weight
from ({rows}) r
group by all
order by all
