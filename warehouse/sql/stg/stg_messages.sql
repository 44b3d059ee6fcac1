-- materialized: view
-- One row per message of a text channel, in conversation order.
select
    message_id, interaction_id, seq, author_role, author_id, sent_at, text,
    sentiment, asks_private, is_runaround, load_id, language, opportunity
from messages
