"""Build a large synthetic warehouse directly with DuckDB SQL (canonical tables + models).

For benchmarks only: rows are plausible, not calibrated (use sample_data/ for calibrated data).
Run: ``python bench/synthetic_warehouse.py --interactions 10000000 --db /tmp/w10m.duckdb``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from warehouse.build import build  # noqa: E402
from warehouse.db import snapshot_writer  # noqa: E402

BRANDS = ["TelcoCo", "AirCo", "BankCo", "ShopCo", "PowerCo", "RailCo", "InsureCo", "StreamCo"]
CATEGORIES = [
    "billing",
    "outage",
    "technical",
    "account",
    "order",
    "refund",
    "product",
    "store",
    "travel",
    "praise",
    "other",
]
TEXTS = [
    ("my bill is wrong again, charged twice this month", -0.5),
    ("no signal since this morning, is there an outage?", -0.4),
    ("how do I reset my password", 0.0),
    ("where is my order? it was due yesterday", -0.3),
    ("thanks, that fixed it!", 0.7),
    ("still waiting for my refund", -0.4),
    ("love the new app update", 0.8),
    ("what time does the store open on sunday", 0.0),
]
AGENT_TEXTS = [
    ("Sorry to hear that, we're on it. ^JK", 0.1),
    ("Please DM us your account number.", 0.2),
    ("Please call us on our support line.", 0.0),
    ("Fixed now, thanks for waiting!", 0.6),
]


def _literal(v: object) -> str:
    return "'" + v.replace("'", "''") + "'" if isinstance(v, str) else repr(v)


def _values(rows: list[tuple]) -> str:
    return ", ".join("(" + ", ".join(_literal(v) for v in r) + ")" for r in rows)


def synthetic_sql(n: int, days: int, start: str) -> list[str]:
    """The statements that fill the canonical tables (constants only, no user input)."""
    brands = _values([(i, b) for i, b in enumerate(BRANDS)])
    cats = _values([(i, c) for i, c in enumerate(CATEGORIES)])
    texts = _values([(i, t, s) for i, (t, s) in enumerate(TEXTS)])
    agent_texts = _values([(i, t, s) for i, (t, s) in enumerate(AGENT_TEXTS)])
    return [
        f"create temp table b(k int, brand varchar); insert into b values {brands}",
        f"create temp table cat(k int, category varchar); insert into cat values {cats}",
        f"create temp table tx(k int, text varchar, sentiment double); insert into tx values {texts}",
        f"create temp table ax(k int, text varchar, sentiment double); insert into ax values {agent_texts}",
        f"""create temp table base as
        select i, random() as r1, random() as r2, random() as r3, random() as r4,
            timestamptz '{start} 00:00:00+00' + to_seconds(
                floor(i::double / {n} * {days} * 86400)::bigint) as opened_at
        from range({n}) t(i)""",
        """create temp table cases as
        select i, opened_at,
            case when r1 < 0.13 then 'social' when r1 < 0.58 then 'phone'
                 when r1 < 0.86 then 'email' else 'chat' end as channel,
            (hash(i) % 8)::int as bk, (hash(i + 7) % 11)::int as ck,
            r2, r3, r4
        from base""",
        """insert into interactions
        select 'syn:' || i, 'syn', channel,
            case channel when 'social' then 'twitter' else channel end,
            b.brand, 'c' || (hash(i * 3) % 2000000)::varchar,
            channel || '-agent-' || (hash(i * 5) % 60)::varchar, cat.category,
            opened_at, opened_at,
            case when r2 < 0.06 then null
                 else opened_at + to_seconds((case channel when 'social' then 2400 when 'email' then 20000
                      when 'chat' then 60 else 45 end * -ln(1 - r3))::bigint) end,
            case when r2 >= 0.06 and r4 < 0.68 then opened_at + to_seconds((3600 + 86400 * r4)::bigint) end,
            opened_at + to_seconds((3600 + 86400 * r4)::bigint),
            case when r2 < 0.06 then (case channel when 'phone' then 'abandoned' else 'unanswered' end)
                 when r4 < 0.68 then 'resolved'
                 when channel = 'social' and r4 > 0.9 then 'private' else 'open' end,
            channel = 'social' and r4 > 0.85, (r3 > 0.92)::int,
            case when channel in ('phone', 'chat') then 120 + 600 * r4 end,
            r4 < 0.02, null, 'synthetic', null  -- team (added to interactions later)
        from cases join b on b.k = cases.bk join cat on cat.k = cases.ck
        order by opened_at""",
        """insert into messages (message_id, interaction_id, seq, author_role, author_id, sent_at, text,
            sentiment, asks_private, is_runaround, load_id, language)
        select 'syn:' || i || ':1', 'syn:' || i, 1, 'customer', 'c' || (hash(i * 3) % 2000000)::varchar,
            opened_at, tx.text, tx.sentiment, false, false, 'synthetic', 'en'
        from cases join tx on tx.k = (hash(i + 11) % 8)::int
        where channel <> 'phone'
        order by opened_at""",
        """insert into messages (message_id, interaction_id, seq, author_role, author_id, sent_at, text,
            sentiment, asks_private, is_runaround, load_id, language)
        select 'syn:' || i || ':2', 'syn:' || i, 2, 'agent', channel || '-agent', opened_at + interval 30 minute,
            ax.text, ax.sentiment, ax.k = 1, ax.k = 2, 'synthetic', 'en'
        from cases join ax on ax.k = (hash(i + 13) % 4)::int
        where channel <> 'phone' and r2 >= 0.06
        order by opened_at""",
        """insert into surveys
        select 'syn:' || i || ':s', 'syn:' || i, null, channel, null, opened_at + interval 1 day,
            1 + floor(5 * r3 * 0.6 + 5 * r4 * 0.4)::int % 5, floor(11 * (0.5 * r3 + 0.5 * (r4 < 0.68)::int))::int % 11,
            r3 + (r4 < 0.68)::int * 0.4 > 0.7, null, null, 'synthetic'
        from cases where hash(i + 17) % 10 = 0
        order by opened_at""",
        """insert into loads values ('synthetic', 'synthetic', 'synthetic', 'bench', 'none',
            now(), now(), (select count(*) from interactions), (select count(*) from interactions), 0,
            'loaded', null)""",
    ]


def build_synthetic(
    db: Path, interactions: int, days: int = 365, start: str = "2024-01-01"
) -> float:
    """Create (or replace) a warehouse with `interactions` synthetic cases; returns seconds taken."""
    t0 = time.perf_counter()
    db.unlink(missing_ok=True)
    with snapshot_writer(db) as con:
        for statement in synthetic_sql(interactions, days, start):
            con.execute(statement)
        build(con)
    return time.perf_counter() - t0


def main() -> None:
    """Command line: build a synthetic warehouse of the asked size."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--interactions", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--db", default="/tmp/socialcare-10m.duckdb")
    args = ap.parse_args()
    seconds = build_synthetic(Path(args.db), args.interactions, args.days)
    print(f"built {args.interactions:,} synthetic interactions in {args.db} in {seconds:.1f} s")


if __name__ == "__main__":
    main()
