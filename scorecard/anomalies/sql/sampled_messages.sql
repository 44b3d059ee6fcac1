-- The hash samples of several incidents' windows in one read of the customer messages
-- (scorecard/anomalies/data_anomalies.py sampled_message_sets): [spec, interaction_id, sent_at,
-- text, h, message_id] of each sample's at most $limit customer messages with text of lowest
-- (h, message_id), h = hash(message_id), among the cases opened on its local days ($day[i],
-- one row per day it covers) in its slice ($brand[i], $channel[i]: the value, or null for
-- any): the messages sampled_messages picks, for many windows at once. Each message is offered
-- once per slicing (brand and channel, brand, channel, neither) and joined on equal keys to the
-- sample days, so that it meets just the samples that hold it. [$s_lo, $s_hi]: the sent_at
-- range of those messages where known (message_days), so that a part reads its stretch only.
with sample_days as (
    select
        unnest($spec::integer []) as spec,
        unnest($day::date []) as day,
        unnest($brand::varchar []) as brand,
        unnest($channel::varchar []) as channel
),

m as (
    select
        message_id,
        hash(message_id) as h,
        timezone($tz, opened_at)::date as day,
        coalesce(brand::varchar, '(none)') as brand,
        coalesce(channel::varchar, '(none)') as channel
    from fct_messages
    where
        author_role = 'customer'
        and text is not null
        and opened_at >= $t_lo
        and opened_at < $t_hi
        and sent_at between $s_lo and $s_hi
),

offered as (
    select
        m.message_id,
        m.h,
        m.day,
        case when k.k in (1, 3) then null else m.brand end as brand,
        case when k.k in (2, 3) then null else m.channel end as channel
    from m cross join range(4) as k (k)
),

samples as (
    select
        s.spec,
        min_by(o.message_id, {'h': o.h, 'id': o.message_id}, $limit) as ids
    from offered as o
    inner join sample_days as s
        on
            o.day = s.day
            and o.brand is not distinct from s.brand
            and o.channel is not distinct from s.channel
    group by s.spec
),

picked as (
    select
        spec,
        unnest(ids) as message_id
    from samples
)

select
    p.spec,
    m.interaction_id,
    m.sent_at,
    m.text,
    hash(m.message_id) as h,
    m.message_id
from picked as p
inner join fct_messages as m on p.message_id = m.message_id
where
    m.author_role = 'customer'
    and m.opened_at >= $t_lo
    and m.opened_at < $t_hi
    and m.sent_at between $s_lo and $s_hi
