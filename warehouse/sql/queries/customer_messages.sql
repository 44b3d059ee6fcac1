-- Customer messages: the rows of the message KPIs (warehouse/queries.py SOURCES).
(select * from fct_messages where author_role = 'customer')
