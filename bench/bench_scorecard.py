"""Scorecard speed on 10 million interactions: one year, all channels, --by brand, warm.

Builds (once) a synthetic warehouse by inserting rows straight into the canonical tables with
DuckDB SQL: 8 brands; channel mix social 11 %, phone 46 %, e-mail 28 %, chat 15 %; agents
belonging to one brand and channel and working one 8-hour shift; ~2.7 messages per text case;
survey answers from 10 % of social to 25 % of phone cases. Then warehouse.build.build, and
`scorecard(...)` (every KPI of the catalogue) is timed after one warm-up call, beside a
straightforward pandas groupby computing the same KPIs from the same fact rows in memory.

Run: ``python bench/bench_scorecard.py [--interactions 10000000] [--db PATH] [--rebuild]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from etl.settings.business_hours import business_seconds_between  # noqa: E402
from etl.settings.config import Config  # noqa: E402
from scorecard.kpis.catalogue import catalogue  # noqa: E402
from scorecard.kpis.data import kpi_frame, open_warehouse  # noqa: E402
from scorecard.kpis.scoring import scorecard  # noqa: E402
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
YEAR = ("2024-01-01", "2024-12-31")


def _list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def synthetic_sql(n: int) -> list[str]:
    """Statements filling the canonical tables (constants only)."""
    return [
        f"""create temp table base as
        select i, random() as r1, random() as r2, random() as r3, random() as r4, random() as r5,
            timestamptz '2024-01-01 00:00:00+00' + to_seconds(floor(i::double / {n} * 366 * 86400)::bigint) as opened_at
        from range({n}) t(i)""",
        f"""create temp table c as
        select i, opened_at, r2, r3, r4, r5,
            case when r1 < 0.11 then 'social' when r1 < 0.57 then 'phone' when r1 < 0.85 then 'email' else 'chat' end as channel,
            {_list(BRANDS)}[1 + (hash(i) % 8)::int] as brand,
            {_list(CATEGORIES)}[1 + (hash(i + 7) % 11)::int] as category
        from base""",
        """insert into interactions (interaction_id, source, channel, platform, brand, customer_id,
            agent_id, issue_category, opened_at, first_customer_at, first_response_at, resolved_at,
            last_activity_at, status, handled_privately, transfers, handle_seconds, reopened, dq_flags,
            load_id)
        select 'b:' || i, 'bench', channel, channel, brand, 'k' || (hash(i * 3) % 4000000)::varchar,
            brand || '-' || channel || '-s' || (hour(opened_at) // 8)::varchar || '-' || (hash(i * 5) % 7)::varchar,
            category, opened_at, opened_at,
            case when r2 < 0.07 then null else opened_at + to_seconds(round(case channel when 'social' then 2400
                 when 'email' then 20000 when 'chat' then 60 else 45 end * -ln(1 - r3))::bigint) end,
            case when r2 >= 0.07 and r4 < 0.65 then opened_at + to_seconds((600 + 86400 * r4)::bigint) end,
            null,
            case when r2 < 0.07 then (case channel when 'phone' then 'abandoned' else 'unanswered' end)
                 when r4 < 0.65 then 'resolved' when channel = 'social' and r4 > 0.9 then 'private' else 'open' end,
            channel = 'social' and r4 > 0.85, (r5 > 0.93)::int,
            case when channel in ('phone', 'chat') then round(120 + 600 * r5) end,
            r5 < 0.02, null, 'bench'
        from c order by opened_at""",
        """insert into messages
        select 'b:' || i || ':' || k, 'b:' || i, k, case when k = 2 then 'agent' else 'customer' end,
            case when k = 2 then brand else 'k' || (hash(i * 3) % 4000000)::varchar end,
            opened_at + to_seconds(k * 600), 'message', round(2 * random() - 1, 3),
            k = 2 and r4 > 0.85, k = 2 and r5 < 0.04, 'bench'
        from c, range(1, 4) m(k)
        where channel <> 'phone' and (k < 3 or channel <> 'email') and (k <> 2 or r2 >= 0.07)
        order by opened_at""",
        """insert into surveys
        select 'b:' || i || ':s', 'b:' || i, null, channel, brand, opened_at + interval 1 day,
            1 + least(4, floor(5 * (0.5 * r3 + 0.5 * (r4 < 0.65)::int)))::int,
            least(10, floor(11 * (0.4 * r3 + 0.6 * (r4 < 0.65)::int)))::int,
            r3 + (r4 < 0.65)::int * 0.4 > 0.7, null, null, 'bench'
        from c where (hash(i + 17) % 100) < case channel when 'social' then 10 when 'phone' then 25 else 15 end
        order by opened_at""",
        """insert into loads values ('bench', 'bench', 'bench', 'bench', 'none', now(), now(),
            (select count(*) from interactions), (select count(*) from interactions), 0, 'loaded', null)""",
    ]


def build_bench_warehouse(db: Path, n: int) -> float:
    """Create the warehouse; returns seconds taken."""
    t0 = time.perf_counter()
    db.unlink(missing_ok=True)
    with snapshot_writer(db) as con:
        for sql in synthetic_sql(n):
            con.execute(sql)
        build(con)
    return time.perf_counter() - t0


def timed(fn, repeat: int) -> tuple[float, float]:
    """(best, median) seconds of `repeat` calls."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return min(runs), statistics.median(runs)


def pandas_frames(con) -> dict[str, pd.DataFrame]:
    """The fact rows the scorecard reads, as pandas frames (loaded once, not timed)."""
    cases = con.execute("""select opened_at, first_customer_at, first_response_at, channel, brand, agent_id,
        issue_category, status, answered, resolved, reopened, handled_privately, transfers, handle_seconds,
        frt_s, ttr_s, n_agent_messages, runaround, sentiment_recovery, next_contact_at from fct_cases""").df()
    messages = con.execute(
        "select opened_at, brand, sentiment from fct_messages where author_role = 'customer'"
    ).df()
    surveys = con.execute(
        "select opened_at, brand, csat, nps, would_recommend from fct_surveys"
    ).df()
    return {"cases": cases, "messages": messages, "surveys": surveys}


def pandas_scorecard(f: dict[str, pd.DataFrame], config: Config) -> pd.DataFrame:
    """The same KPIs per brand with plain pandas groupbys (the baseline)."""
    lo, hi = pd.Timestamp(YEAR[0], tz="UTC"), pd.Timestamp("2025-01-01", tz="UTC")
    c = f["cases"][(f["cases"]["opened_at"] >= lo) & (f["cases"]["opened_at"] < hi)]
    c = c.assign(
        cost=c["channel"].map(config.costs.per_interaction),
        bfrt=np.where(
            c["frt_s"].notna(),
            business_seconds_between(
                c["first_customer_at"], c["first_response_at"], config.business_hours
            ),
            np.nan,
        ),
        sla=np.where(
            c["frt_s"].notna(),
            c["frt_s"] <= config.sla_first_response_s,
            np.where(c["status"] == "abandoned", 0.0, np.nan),
        ),
        fcr=c["resolved"]
        & ~c["reopened"]
        & ~((c["next_contact_at"] - c["opened_at"]).dt.total_seconds() <= 7 * 86400),
        hour=c["first_response_at"].dt.floor("h"),
    )
    g = c.groupby("brand")
    out = pd.DataFrame(
        {
            "volume": g.size(),
            "answered_rate": g["answered"].mean(),
            "resolution_rate": g["resolved"].mean(),
            "frt_median_s": g["frt_s"].median(),
            "frt_p90_s": g["frt_s"].quantile(0.9),
            "frt_mean_s": g["frt_s"].mean(),
            "frt_business_median_s": g["bfrt"].median(),
            "sla_met_rate": g["sla"].mean(),
            "ttr_median_s": g["ttr_s"].median(),
            "fcr_rate": g["fcr"].mean(),
            "reopen_rate": g["reopened"].mean(),
            "cost_total": g["cost"].sum(),
            "cost_per_interaction": g["cost"].mean(),
            "sentiment_recovery": g["sentiment_recovery"].mean(),
        }
    )
    social = c[c["channel"] == "social"].groupby("brand")
    out["private_handoff_rate"] = social["handled_privately"].mean()
    out["runaround_rate"] = c[c["n_agent_messages"] > 0].groupby("brand")["runaround"].mean()
    answered = c[c["answered"] & c["agent_id"].notna()]
    out["interactions_per_agent_hour"] = (
        answered.groupby("brand").size()
        / answered.drop_duplicates(["brand", "agent_id", "hour"]).groupby("brand").size()
    )
    per_agent = answered.groupby(["brand", "agent_id"])["frt_s"].agg(["median", "count"])
    per_agent = per_agent[per_agent["count"] >= 5].groupby("brand")["median"]
    out["agent_frt_spread"] = per_agent.quantile(0.9) / per_agent.quantile(0.1)
    m = f["messages"][(f["messages"]["opened_at"] >= lo) & (f["messages"]["opened_at"] < hi)]
    mg = m.assign(pos=m["sentiment"] >= 0.05, neg=m["sentiment"] <= -0.05).groupby("brand")
    out["sentiment_mean"], out["positive_share"], out["negative_share"] = (
        mg["sentiment"].mean(),
        mg["pos"].mean(),
        mg["neg"].mean(),
    )
    s = f["surveys"][(f["surveys"]["opened_at"] >= lo) & (f["surveys"]["opened_at"] < hi)]
    sg = s.assign(c45=s["csat"] >= 4, prom=s["nps"] >= 9, det=s["nps"] <= 6).groupby("brand")
    out["csat_mean"], out["csat_score"] = sg["csat"].mean(), sg["c45"].mean()
    out["nps"], out["recommend_rate"] = (
        100 * (sg["prom"].mean() - sg["det"].mean()),
        sg["would_recommend"].mean(),
    )
    return out


def main() -> None:
    """Build if needed, time, print."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--interactions", type=int, default=10_000_000)
    ap.add_argument("--db", default="/tmp/socialcare-bench-scorecard.duckdb")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    db = Path(args.db)
    if args.rebuild or not db.exists():
        print(f"building {args.interactions:,} interactions in {db} ...", flush=True)
        print(f"  built in {build_bench_warehouse(db, args.interactions):.0f} s", flush=True)
    con = open_warehouse(db)
    cfg = Config(display_timezone="Europe/London")
    sizes = {
        t: con.execute(f"select count(*) from {t}").fetchone()[0]
        for t in ("fct_cases", "fct_messages", "fct_surveys")
    }
    print(f"warehouse: {sizes}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    def run():
        return scorecard(con, cfg, *YEAR, "total", ["brand"])

    run()  # warm-up (cold caches)
    best, med = timed(run, args.repeat)
    print(
        f"scorecard, one year, --by brand, all {len(catalogue())} KPIs (warm): best {best:.2f} s, median {med:.2f} s"
    )
    kpis = list(catalogue())
    parts = {
        "additive KPIs (daily pre-aggregates)": [k for k in kpis if k.fast],
        "time KPIs + SLA (exact, value bins)": [
            k for k in kpis if not k.fast and k.is_plain and k.id != "frt_business_median_s"
        ],
        "business-hours FRT (exact, value bins)": [
            k for k in kpis if k.id == "frt_business_median_s"
        ],
        "agent spread (exact, integer-keyed agent model)": [
            k for k in kpis if k.kind == "agent_spread"
        ],
    }
    for label, group in parts.items():
        b, _ = timed(lambda g=group: kpi_frame(con, cfg, g, "total", ["brand"], *YEAR, {}), 3)
        print(f"  {label}: {b:.2f} s")
    b, _ = timed(
        lambda: kpi_frame(con, cfg, kpis, "total", ["brand"], *YEAR, {}, use_fast=False), 3
    )
    print(
        f"  every KPI from the fact tables only (no pre-aggregates, the row-level definitions): {b:.2f} s"
    )
    frames = pandas_frames(con)
    pandas_scorecard(frames, cfg)  # warm-up
    pbest, pmed = timed(lambda: pandas_scorecard(frames, cfg), max(2, args.repeat // 2))
    print(
        f"pandas groupby of the same KPIs (data already in memory): best {pbest:.2f} s, median {pmed:.2f} s"
    )


if __name__ == "__main__":
    main()
