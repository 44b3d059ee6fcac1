-- The valid tweets, a duplicated id's later line only. Filled in by etl/sources/twcs.py from code
-- only: text and repaired (the repaired text and the kinds of repair when registered table fixes
-- holds mojibake repairs, else the text and NULL) and joins (dup, and fixes when registered).
select t.tweet_id, t.author_id, t.inbound, t.created_at,
       {text} as text,
       t.in_response_to, t._line as line, {repaired} as repaired
from typed t {joins}
where t.reason is null and (d.keep is null or d.keep = t._line)
