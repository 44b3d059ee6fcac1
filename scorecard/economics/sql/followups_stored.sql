-- The period's social cases followed within the FCR window ($fcr_days), from the follow-up of
-- each social case kept at build (warehouse/sql/agg/agg_social_followups.sql), by category and
-- the follow-up's channel: followed, its configured cost and resolutions (counted once). Filled in
-- by scorecard/economics/data_lift.py from code only: costs (the bound cost model VALUES list,
-- scorecard/kpis/data_pieces.py cost_tables) and where (period and filters, bound).
select
    f.issue_category as category,
    f.followup_channel as channel,
    count(*) as followed,
    sum(coalesce(k.pi, 0) + coalesce(k.pm, 0) * coalesce(f.followup_handle_seconds, 0) / 60.0) as cost,
    count(*) filter (where f.followup_resolved and (f.followup_next_contact_s is null
                                                    or f.followup_next_contact_s > $fcr_days * 86400))
        as resolutions
from (select * from agg_social_followups where {where} and followup_after_s <= $fcr_days * 86400) f
left join {costs} on k.channel = f.followup_channel
group by all
order by all
