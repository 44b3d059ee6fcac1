-- The tables and views of the warehouse, with their kind (a model may change between the two).
select table_name, table_type from information_schema.tables where table_schema = current_schema()
