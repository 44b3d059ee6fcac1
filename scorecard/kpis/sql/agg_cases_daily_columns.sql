-- The columns of agg_cases_daily in this warehouse (an older one may lack the capability counts).
select column_name from information_schema.columns
where table_schema = current_schema() and table_name = 'agg_cases_daily'
