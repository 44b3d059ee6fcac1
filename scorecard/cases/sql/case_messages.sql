-- Every message of one case ($id) in order, with sentiment and flags.
select seq, sent_at, author_role, author_id, text, sentiment, asks_private, is_runaround
from fct_messages where interaction_id = $id order by seq, sent_at
