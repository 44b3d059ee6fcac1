-- Twitter cases of one load (?): how many, how many without a brand, and the three handles
-- most @mentioned by those without one (not all-digit ids), as '@handle (n), ...'.
with c as (
    select t.tweet_id, i.brand, t.text
    from interactions i join raw_twcs t on t.tweet_id = try_cast(substr(i.interaction_id, 6) as bigint)
    where i.source = 'twcs' and i.load_id = ?
), m as (  -- each handle once per unbranded case
    select distinct tweet_id, handle from (
        select tweet_id, unnest(regexp_extract_all(text, '@(\w+)', 1)) as handle
        from c where brand is null)
)
select (select count(*) from c), (select count(*) from c where brand is null),
       (select string_agg('@' || handle || ' (' || n || ')', ', ' order by n desc, handle)
        from (select handle, count(*) as n from m where not regexp_full_match(handle, '\d+')
              group by handle order by n desc, handle limit 3))
