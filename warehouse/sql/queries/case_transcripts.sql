-- Whole conversations of some cases: one line per message, "time role author [sentiment]
-- [flags]: text", in conversation order; times in the display timezone ($tz). {ids} is a query of
-- interaction ids filled in by the caller (scorecard/rootcause/data_shortfall.py case_transcripts: bound
-- $ids; scorecard/rootcause/data_rootcause.py drill_rows: the drilled cases).
-- Order without an ordered aggregate for most cases (issue 23: a third of a one-month drill's
-- CPU): one window numbers each case's messages, then a case of at most 8 messages is its lines
-- put in their numbered slots (an unordered group-by); a longer case keeps string_agg(... order
-- by). Both skip a NULL line and give NULL when every line is NULL, so the text is that of
-- string_agg(line, chr(10) order by seq, sent_at, message_id) for every case.
with lines as (
    select
        m.interaction_id,
        strftime(timezone($tz, m.sent_at), '%Y-%m-%d %H:%M') || ' ' || m.author_role
        || coalesce(' ' || m.author_id, '')
        || coalesce(' [' || printf('%+.2f', m.sentiment) || ']', '')
        || case when m.asks_private then ' [asks private]' else '' end
        || case when m.is_runaround then ' [run-around]' else '' end
        || ': ' || coalesce(m.text, '') as line,
        row_number() over (
            partition by m.interaction_id order by m.seq, m.sent_at, m.message_id
        ) as pos,
        count(*) over (partition by m.interaction_id) as n
    from stg_messages as m  -- the messages alone: no join to their cases' dimensions
    where m.interaction_id in ({ids})
)

select
    interaction_id,
    nullif(concat_ws(
        chr(10),
        max(line) filter (where pos = 1),
        max(line) filter (where pos = 2),
        max(line) filter (where pos = 3),
        max(line) filter (where pos = 4),
        max(line) filter (where pos = 5),
        max(line) filter (where pos = 6),
        max(line) filter (where pos = 7),
        max(line) filter (where pos = 8)
    ), '') as transcript
from lines
where n <= 8
group by interaction_id
union all
select
    interaction_id,
    string_agg(line, chr(10) order by pos) as transcript
from lines
where n > 8
group by interaction_id
