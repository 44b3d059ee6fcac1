-- Incoming tweets stored already, same direction, whose text differs: (id, new text, old text).
select i.tweet_id, i.text as new, r.text as old
from inc i join raw_twcs r using (tweet_id)
where r.text <> i.text and r.inbound = i.inbound
