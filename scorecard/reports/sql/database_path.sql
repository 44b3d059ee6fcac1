-- The file of the warehouse this connection reads (NULL for an in-memory database).
select path from duckdb_databases() where database_name = current_database()
