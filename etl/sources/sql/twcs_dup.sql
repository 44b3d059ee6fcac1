-- Temp table dup: ids that occur more than once among the valid tweets, with the line that wins
-- (the later one).
create or replace temp table dup as
select tweet_id, max(_line) as keep from typed where reason is null
group by tweet_id having count(*) > 1
