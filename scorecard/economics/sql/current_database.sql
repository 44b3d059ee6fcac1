-- The name of the database this connection reads (a brand scope's is scorecard/service.py SCOPED).
select current_database()
