-- Temp table bad: the line and reason of each typed tweet that fails validation.
create temp table bad as select _line as line, reason from typed where reason is not null
