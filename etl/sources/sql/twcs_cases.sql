-- Twitter cases (rows of `interactions`) from the stored tweets (raw_twcs) of the case roots in
-- temp table roots; the rules of docs/contracts.md. Filled in by etl/sources/twcs_sql.py from
-- code only: order_key (first/last by (created_at, tweet_id) as one HUGEINT) and
-- mention_handles (twcs_mention_handles.sql).
with t as (
    select r.root_id, t.author_id, t.inbound, t.created_at, t.signature, t.asks_private,
           coalesce(t.resolves, false) as resolves, {order_key} as k
    from raw_twcs t join roots r using (tweet_id)
),
outs as (
    select root_id,
        min(created_at) as first_response_at,
        arg_min(author_id, k) as first_brand,
        arg_min(signature, k) as first_signature,
        count(distinct signature) as n_signatures,
        bool_or(asks_private) as asks_private,
        count(*) as n_outbound,
        max(created_at) as last_out_at
    from t where not inbound group by root_id
),
ins as (
    select root_id,
        max(created_at) as last_customer_at,
        arg_max(resolves, k) as last_customer_resolves,
        -- reopened: a resolving customer tweet followed by a later non-resolving one
        min(created_at) filter (where resolves) < max(created_at) filter (where not resolves)
            as reopened_raw
    from t where inbound group by root_id
),
firsts as (
    select i.*, o.* exclude (root_id), coalesce(o.n_outbound, 0) as n_out,
           greatest(i.last_customer_at, o.last_out_at) as last_activity_at
    from ins i left join outs o using (root_id)
),
roots_info as (
    select r.root_id, t.author_id as customer_id, t.created_at as opened_at,
           t.category, t.load_id, p.author_id as parent_author, p.inbound as parent_inbound
    -- the roots as a one-column subquery: joined on (tweet_id, root_id) both, the scan of
    -- raw_twcs gets no join filter and reads every stored tweet
    from (select root_id from roots where tweet_id = root_id) r
    join raw_twcs t on t.tweet_id = r.root_id
    left join raw_twcs p on p.tweet_id = t.in_response_to
),
known_brands as (  -- handles seen as agents, remembered handles, brands of other social sources
    select mention, arg_min(brand, (priority, brand)) as brand from (
        select brand, '@' || lower(brand) as mention, 0 as priority
        from (select distinct author_id as brand from raw_twcs where not inbound)
        union all
        select mention, '@' || lower(mention), 1 from ({mention_handles})
    ) group by mention
),
-- Unanswered cases without a broadcast parent: the first @mention of a known brand.
mentioned as (
    select r.root_id,
           arg_min(b.brand, (position(b.mention in lower(x.text)), -length(b.brand), b.brand))
               as brand
    from roots_info r
    join firsts f using (root_id)
    -- the root's text read here, for these roots only: most cases are answered, and the text of
    -- a stored root costs a whole vector of texts decoded
    join raw_twcs x on x.tweet_id = r.root_id
    join known_brands b on contains(lower(x.text), b.mention)
    where f.first_brand is null and r.parent_inbound is distinct from false
    group by r.root_id
)
select
    'twcs:' || r.root_id as interaction_id,
    'twcs' as source, 'social' as channel, 'twitter' as platform,
    coalesce(f.first_brand, case when r.parent_inbound = false then r.parent_author end, m.brand)
        as brand,
    r.customer_id,
    coalesce(f.first_signature, f.first_brand) as agent_id,
    coalesce(r.category, 'other') as issue_category,
    r.opened_at,
    r.opened_at as first_customer_at,
    f.first_response_at,
    case when f.n_out > 0 and f.last_customer_resolves and f.last_customer_at > f.first_response_at
         then f.last_customer_at end as resolved_at,
    f.last_activity_at,
    case when f.n_out = 0 then 'unanswered'
         when f.last_customer_resolves and f.last_customer_at > f.first_response_at then 'resolved'
         when f.asks_private then 'private'
         else 'open' end as status,
    coalesce(f.asks_private, false) as handled_privately,
    greatest(coalesce(f.n_signatures, 0) - 1, 0)::integer as transfers,
    null::double as handle_seconds,
    coalesce(f.reopened_raw, false) as reopened,
    case when f.first_response_at < r.opened_at then 'negative_frt' end as dq_flags,
    r.load_id
from roots_info r
join firsts f using (root_id)
left join mentioned m using (root_id)
