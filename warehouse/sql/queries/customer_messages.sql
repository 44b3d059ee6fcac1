-- Customer messages: the rows of the message KPIs (warehouse/queries.py SOURCES wraps it in
-- brackets, a table expression other queries embed).
select * from fct_messages where author_role = 'customer'
