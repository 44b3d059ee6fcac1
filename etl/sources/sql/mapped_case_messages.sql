-- The incoming rows, plus the stored messages of the touched cases that they do not replace.
-- A message stored before `mapped_messages` existed takes the facets of its stored case.
select message_id::varchar as message_id, interaction_id::varchar as interaction_id,
       author_role::varchar as author_role, author_id::varchar as author_id,
       sent_at::timestamptz as sent_at, text::varchar as text, sentiment::double as sentiment,
       language::varchar as language, asks_private::boolean as asks_private, is_runaround::boolean as is_runaround,
       source::varchar as source, channel::varchar as channel, platform::varchar as platform,
       brand::varchar as brand, issue_category::varchar as issue_category,
       resolves::boolean as resolves, created_at::timestamptz as created_at,
       load_id::varchar as load_id
from incoming
union all
select m.message_id, m.interaction_id, m.author_role, m.author_id, m.sent_at, m.text, m.sentiment,
       m.language, m.asks_private, m.is_runaround,
       case when f.message_id is null then i.source else f.source end,
       case when f.message_id is null then i.channel else f.channel end,
       case when f.message_id is null then i.platform else f.platform end,
       case when f.message_id is null then i.brand else f.brand end,
       case when f.message_id is null then i.issue_category else f.issue_category end,
       f.resolves, f.created_at, m.load_id
from messages m
left join mapped_messages f using (message_id)
left join interactions i using (interaction_id)
where m.interaction_id in (select interaction_id from mm_touched)
  and m.message_id not in (select message_id from incoming)
