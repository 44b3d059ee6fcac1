-- Temp table texts: the distinct (text, direction) pairs of incoming tweets not known already.
create or replace temp table texts as
select distinct i.text, i.inbound from inc i anti join inc_known k using (tweet_id)
