-- The business calendar from its frame (`_calendar`, registered by warehouse/calendar.py).
create or replace table business_calendar as select * from _calendar order by k
