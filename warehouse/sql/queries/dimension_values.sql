-- Distinct non-empty values of one dimension (column: a column of warehouse/queries.py
-- DIMENSIONS, from code). Read by scorecard/options.py dimension_values.
select distinct {column} from fct_cases where {column} is not null order by 1
