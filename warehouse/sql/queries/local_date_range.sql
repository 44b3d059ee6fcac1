-- First and last local date with a case opened, in the display timezone $tz. Local dates never
-- decrease as UTC instants increase, so the local dates of the earliest and latest instants are
-- the bounds: two scans of a plain column instead of converting every row.
select timezone($tz, min(opened_at))::date, timezone($tz, max(opened_at))::date from fct_cases
