-- Survey answers with their linked case's outcome as fct_surveys keeps it at build (linked: the
-- case exists, link_method not null; answered, resolved, frt_s of that case).
select
    survey_id, channel, brand, agent_id, issue_category, issue_category as category, opened_at,
    language, would_recommend, nps, link_method is not null as linked, answered, resolved,
    frt_s as frt
from fct_surveys
