-- How many cases were rewritten (every case holds its root tweet: no distinct needed).
select count(*) from roots where tweet_id = root_id
