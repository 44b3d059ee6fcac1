-- The columns of fct_cases (the daily models' day scopes compare the columns each reads).
select column_name from duckdb_columns()
where database_name = current_database() and table_name = 'fct_cases'
  and schema_name = 'main'
order by column_index
