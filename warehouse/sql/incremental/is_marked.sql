-- Whether the connection's last build was incremental (temp table incremental_build exists).
select count(*) > 0 from duckdb_tables() where temporary and table_name = 'incremental_build'
