-- The columns of one stored model table (?), in order (an additive model's counts).
select column_name from duckdb_columns()
where database_name = current_database() and table_name = ?
  and schema_name = 'main'
order by column_index
