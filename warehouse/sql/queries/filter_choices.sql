-- Every filter dimension's distinct values in one scan (lists: one
-- `list(distinct col) filter (where col is not null)` per column of DIMENSIONS, from code).
-- Read by scorecard/options.py filter_choices.
select {lists} from fct_cases
