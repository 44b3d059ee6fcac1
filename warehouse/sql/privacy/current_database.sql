-- The connection's own database name (the file's stem): the source of COPY FROM DATABASE.
select current_database()
