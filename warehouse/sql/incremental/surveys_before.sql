-- Temp table days_surveys: the UTC days the survey scope's built rows held before the rebuild
-- (the days after it are added by days_surveys_after).
create or replace temp table days_surveys as
select floor(epoch(opened_at) / 86400)::bigint as utc_day
from fct_surveys
where survey_id in (select survey_id from scope_survey_id)
