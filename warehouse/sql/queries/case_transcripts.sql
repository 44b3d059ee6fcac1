-- Whole conversations of some cases: one line per message, "time role author [sentiment]
-- [flags]: text", in conversation order; times in the display timezone ($tz). {ids} is a query of
-- interaction ids filled in by the caller (scorecard/rootcause/data_shortfall.py case_transcripts: bound
-- $ids; scorecard/rootcause/data_rootcause.py drill_rows: the drilled cases).
select
    m.interaction_id,
    string_agg(
        strftime(timezone($tz, m.sent_at), '%Y-%m-%d %H:%M') || ' ' || m.author_role
        || coalesce(' ' || m.author_id, '')
        || coalesce(' [' || printf('%+.2f', m.sentiment) || ']', '')
        || case when m.asks_private then ' [asks private]' else '' end
        || case when m.is_runaround then ' [run-around]' else '' end
        || ': ' || coalesce(m.text, ''),
        chr(10) order by m.seq, m.sent_at, m.message_id) as transcript
from stg_messages m  -- the messages alone: no join to their cases' dimensions
where m.interaction_id in ({ids})
group by m.interaction_id
