-- Every case with its configured cost, phone-equivalent cost and playbook rule (the rows of the
-- cases KPIs that name cost or playbook_private). Filled in by scorecard/kpis/data.py
-- cases_source from code only: extra (clock_start_at, frt_business_s), costs and
-- playbook (bound VALUES lists, scorecard/kpis/data_pieces.py cost_tables), joins (the
-- business-hours lookup).
(
    select
        c.*,
        coalesce(k.pi, 0) + coalesce(k.pm, 0) * coalesce(c.handle_seconds, 0) / 60.0 as cost,
        $phone_pi + $phone_pm * coalesce(c.handle_seconds, 0) / 60.0 as phone_cost,
        coalesce(p.private, false) as playbook_private{extra}
    from fct_cases c
    left join {costs} using (channel)
    left join {playbook} on p.category = c.issue_category
    {joins}
)
