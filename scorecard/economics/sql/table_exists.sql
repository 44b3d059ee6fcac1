-- 1 when table $t is in this connection's database and schema, else 0.
select count(*) from information_schema.tables
where table_name = $t and table_catalog = current_database() and table_schema = current_schema()
