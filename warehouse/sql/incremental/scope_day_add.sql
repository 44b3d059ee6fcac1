-- Add the days of one kind of change (a temp table named in code) to the next model's days.
insert into scope_day select utc_day from {table}
