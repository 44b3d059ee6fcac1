-- Typed tweets of a TWCS file with the reason they fail validation (NULL when valid); $fmt is the
-- Twitter timestamp format. Filled in by etl/sources/twcs.py from code only: reason_whens (the
-- `when ... then ...` of CHECKS), the typed expressions over the file's own columns (tweet_id,
-- author_id, inbound, created_at, text, in_response_to, parent: the column of
-- in_response_to_tweet_id) and table (the CSV reader's temp table, etl/sources/io.py).
select *, case {reason_whens} end as reason from (
    select _line,
        {tweet_id} as tweet_id,
        trim({author_id}) as author_id,
        case lower(trim({inbound})) when 'true' then true when 'false' then false end
            as inbound,
        {created_at}
            as created_at,
        coalesce({text}, '') as text,
        case when nullif(trim({parent}), '') is null then null else {in_response_to} end
            as in_response_to,
        nullif(trim({parent}), '') is not null as has_parent
    from {table})
