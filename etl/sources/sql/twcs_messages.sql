-- Twitter messages of the cases whose tweets are in temp table roots (root and position).
select
    'twcs:' || t.tweet_id as message_id,
    'twcs:' || r.root_id as interaction_id,
    r.seq,
    case when t.inbound then 'customer' else 'agent' end as author_role,
    t.author_id, t.created_at as sent_at, t.text, t.sentiment, t.language, t.opportunity,
    coalesce(t.asks_private, false) as asks_private,
    coalesce(t.is_runaround, false) as is_runaround,
    t.load_id
from raw_twcs t join roots r using (tweet_id)
