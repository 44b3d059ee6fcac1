-- The UTC days of the survey scope's rebuilt rows (added to days_surveys).
insert into days_surveys
select floor(epoch(opened_at) / 86400)::bigint from fct_surveys
where survey_id in (select survey_id from scope_survey_id)
