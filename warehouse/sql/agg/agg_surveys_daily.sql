-- Survey answers per UTC day of their case's opening (unlinked: of the answer) x channel x brand
-- x category.
select
    floor(epoch(opened_at) / 86400)::bigint as utc_day,
    channel,
    brand,
    issue_category,
    count(csat) as csat_n,
    sum(csat) as csat_sum,
    count(*) filter (where csat >= 4) as csat_45,
    count(nps) as nps_n,
    count(*) filter (where nps >= 9) as promoters,
    count(*) filter (where nps <= 6) as detractors,
    count(would_recommend) as rec_n,
    count(*) filter (where would_recommend) as rec_yes
from fct_surveys
group by all
