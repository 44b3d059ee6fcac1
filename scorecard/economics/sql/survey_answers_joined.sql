-- Survey answers joined to the period's cases for their outcome (the reading of a brand scope,
-- or of the case-creation clock, frt_created_s, which fct_surveys does not keep). Filled in by
-- scorecard/economics/data_lift.py from code only: frt (the clock's column) and opened (the
-- period's bounds on opened_at, bound).
select
    s.survey_id, s.channel, s.brand, s.agent_id, s.issue_category, s.issue_category as category,
    s.opened_at, s.language, s.would_recommend, s.nps, c.interaction_id is not null as linked, c.answered,
    c.resolved, c.{frt} as frt
from fct_surveys s
left join (select * from fct_cases where {opened}) c using (interaction_id)
