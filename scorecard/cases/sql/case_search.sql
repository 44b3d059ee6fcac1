-- Cases whose id is the search text ($q_id) or with a message matching it ($q, an ILIKE
-- pattern with '\' as escape). A predicate over fct_cases `c` (scorecard/cases/data_cases.py).
(c.interaction_id = $q_id or c.interaction_id in (select interaction_id
    from fct_messages where text ilike $q escape '\'))
