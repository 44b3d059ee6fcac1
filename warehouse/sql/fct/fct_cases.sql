-- One row per case with its measured facts; config-dependent rules (SLA, costs, calendars,
-- the FCR window) are applied when read, so changing configuration recomputes history.
with msg as (
    select
        interaction_id,
        count(*) as n_messages,
        count(*) filter (where author_role = 'agent') as n_agent_messages,
        bool_or(is_runaround) filter (where author_role = 'agent') as any_runaround,
        bool_and(is_runaround) filter (where author_role = 'agent') as all_runaround,
        avg(sentiment) filter (where author_role = 'customer') as customer_sentiment_mean,
        arg_min(sentiment, seq) filter (where author_role = 'customer' and sentiment is not null)
            as first_customer_sentiment,
        arg_max(sentiment, seq) filter (where author_role = 'customer' and sentiment is not null)
            as last_customer_sentiment,
        count(*) filter (where author_role = 'customer' and sentiment is not null)
            as n_customer_scored,
        -- the case's language: that of its first customer message whose language was detected
        arg_min(language, seq) filter (where author_role = 'customer' and language is not null)
            as language,
        -- the [opportunities] kinds of its first customer message that matched any
        arg_min(opportunity, seq) filter (where author_role = 'customer' and opportunity is not null)
            as opportunity
    from stg_messages
    group by interaction_id
),
-- resolved_customer_id: the customer key an identities file links the case's stored customer id
-- to (stg_identities), else the stored id. A stored id matches a CRM id as given, an e-mail hash
-- as tickets store it (or a raw address, hashed here the same way), a phone hash (or a raw
-- number: '(0)' dropped, digits only, a leading 00 dropped, hashed as etl/sources/identities.py does)
-- and, on social cases only, a handle (case-insensitive, no @). When several kinds match, the
-- first of crm, email, phone, handle wins.
who as (
    select
        i.interaction_id,
        coalesce(c.customer_key, e.customer_key, p.customer_key, h.customer_key, i.customer_id)
            as resolved_customer_id
    from stg_interactions i
    left join stg_identities c on c.kind = 'crm' and c.value = i.customer_id
    left join stg_identities e on e.kind = 'email' and e.value =
        case when contains(i.customer_id, '@') then left(sha1(lower(trim(i.customer_id))), 16)
             else i.customer_id end
    left join stg_identities p on p.kind = 'phone' and p.value =
        case when regexp_full_match(i.customer_id, '[+0-9 ().-]{6,}')
             then left(sha1(regexp_replace(regexp_replace(replace(i.customer_id, '(0)', ''),
                                                          '[^0-9]', '', 'g'), '^00', '')), 16)
             else i.customer_id end
    left join stg_identities h on h.kind = 'handle' and i.channel = 'social'
        and h.value = lower(ltrim(i.customer_id, '@'))
    where i.customer_id is not null
),
-- next_contact_at: the opening of the same (resolved) customer's next case that is a repeat contact of
-- this one (FCR, resolutions counted once): on any channel, but to the same brand when both cases
-- have a brand (brands compared case-insensitively); a case without a brand, or a later case
-- without one, keeps the rule of any next case. Order: opened_at, then interaction_id.
nxt as (
    select
        interaction_id,
        case when brand is null
             then lead(opened_at) over by_customer
             else least(lead(opened_at) over by_customer_brand,
                        min(case when brand is null then opened_at end) over later_of_customer)
        end as next_contact_at
    from stg_interactions
    inner join who using (interaction_id)
    window by_customer as (partition by resolved_customer_id order by opened_at, interaction_id),
           by_customer_brand as (partition by resolved_customer_id, lower(brand)
                                 order by opened_at, interaction_id),
           later_of_customer as (partition by resolved_customer_id order by opened_at, interaction_id
                                 rows between 1 following and unbounded following)
)
select
    i.*,
    epoch(i.first_response_at) - epoch(i.first_customer_at) as frt_raw_s,
    -- a case whose opening time was inferred (ticket exports without a creation time) has no
    -- measurable response or resolution time
    case when epoch(i.first_response_at) - epoch(i.first_customer_at) >= 0
              and not coalesce(contains(i.dq_flags, 'opened_at_inferred'), false)
         then epoch(i.first_response_at) - epoch(i.first_customer_at) end as frt_s,
    case when epoch(i.first_response_at) - epoch(i.opened_at) >= 0
              and not coalesce(contains(i.dq_flags, 'opened_at_inferred'), false)
         then epoch(i.first_response_at) - epoch(i.opened_at) end as frt_created_s,
    i.first_response_at is not null and i.status <> 'abandoned' as answered,
    i.status = 'resolved' as resolved,
    case when epoch(i.resolved_at) - epoch(i.opened_at) >= 0
              and not coalesce(contains(i.dq_flags, 'opened_at_inferred'), false)
         then epoch(i.resolved_at) - epoch(i.opened_at) end as ttr_s,
    coalesce(m.n_messages, 0) as n_messages,
    coalesce(m.n_agent_messages, 0) as n_agent_messages,
    coalesce(m.any_runaround, false) as runaround,
    coalesce(m.all_runaround, false) as only_runaround,
    m.customer_sentiment_mean,
    m.first_customer_sentiment,
    m.last_customer_sentiment,
    case when m.n_customer_scored >= 2
         then m.last_customer_sentiment - m.first_customer_sentiment end as sentiment_recovery,
    n.next_contact_at,
    w.resolved_customer_id,
    m.language,
    m.opportunity
from stg_interactions i
left join msg m using (interaction_id)
left join nxt n using (interaction_id)
left join who w using (interaction_id)
