-- How many cases match a case-browser query (where: data_cases.py case_where, values bound).
select count(*) from fct_cases c where {where}
