-- Temp table inc: the incoming tweets with their text masked (registered table pii: raw -> text).
create or replace temp table inc as
select i.tweet_id, i.author_id, i.inbound, i.created_at,
       coalesce(p.text, i.text) as text, i.in_response_to, i.line
from incoming i left join pii p on p.raw = i.text
