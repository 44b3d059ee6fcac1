-- Temp table touched_cases: the cases a loader rewrote without giving them this load's id (the
-- Twitter cases etl/sources/twcs_cases.py rewrites because a tweet joined, left or moved).
create temp table if not exists touched_cases (interaction_id varchar)
