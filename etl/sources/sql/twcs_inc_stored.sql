-- Whether any incoming tweet (temp table inc) is stored already, by id alone: a daily export of
-- new tweets has none, and comparing the texts of the incoming tweets with the stored ones would
-- then decompress every stored text for nothing (0.1 s each at 3M tweets).
select exists(select 1 from inc i semi join raw_twcs r using (tweet_id))
