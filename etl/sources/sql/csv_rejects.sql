-- The records DuckDB's strict CSV reader rejected, one row per record line (its first error),
-- with the raw record and where it starts (etl/sources/io.py).
select
    line,
    arg_min(csv_line, error_type) as raw,
    arg_min(error_type, error_type) as error_type,
    arg_min(error_message, error_type) as message,
    arg_min(line_byte_position, error_type) as line_byte_position
from csv_rejects
group by line
order by line
