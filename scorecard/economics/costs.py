"""Channel economics from the cost model (the what-if of moving volume: scorecard/economics/whatif.py).

Costs are applied on read (socialcare.toml [costs]): a case costs its channel's
per-interaction amount plus the per-handled-minute rate times its handle time. The economics
table is the scorecard engine's own KPIs per channel, so it reconciles with the scorecard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from etl.settings.config import Config
from etl.text.enrich import load_playbook
from scorecard.kpis.catalogue import kpi_by_id
from scorecard.kpis.data import kpi_frame

ECONOMICS_COLUMNS = [
    "channel",
    "cases",
    "resolutions",
    "cost_total",
    "cost_per_interaction",
    "cost_per_resolution",
    "recommend_rate",
    "n_surveys",
]
ECONOMICS_KPIS = (
    "volume",
    "cost_total",
    "cost_per_interaction",
    "cost_per_resolution",
    "recommend_rate",
)


def channel_economics(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """One row per channel: cases, resolutions (each counted once, as in the
    cost_per_resolution KPI), cost_total, cost per interaction and per resolution, recommend
    rate and its number of answers (n_surveys)."""
    kpis = [kpi_by_id(k) for k in ECONOMICS_KPIS]
    frame = kpi_frame(con, config, kpis, "total", ["channel"], start, end, dict(filters))
    if frame.empty:
        return pd.DataFrame(columns=ECONOMICS_COLUMNS)
    # every KPI a column, NaN where no channel has it (survey answers without cases, say)
    value = frame.pivot_table(
        index="channel", columns="kpi", values="value", aggfunc="first", dropna=False
    ).reindex(columns=list(ECONOMICS_KPIS))
    n = frame.pivot_table(index="channel", columns="kpi", values="n", aggfunc="first").reindex(
        index=value.index, columns=list(ECONOMICS_KPIS)
    )
    out = pd.DataFrame(
        {
            "channel": value.index.astype(str),
            "cases": n["volume"].fillna(0).astype("int64").to_numpy(),
            "resolutions": n["cost_per_resolution"].fillna(0).astype("int64").to_numpy(),
            "cost_total": value["cost_total"].to_numpy(dtype=float),
            "cost_per_interaction": value["cost_per_interaction"].to_numpy(dtype=float),
            "cost_per_resolution": value["cost_per_resolution"].to_numpy(dtype=float),
            "recommend_rate": value["recommend_rate"].to_numpy(dtype=float),
            "n_surveys": n["recommend_rate"].fillna(0).astype("int64").to_numpy(),
        }
    )
    return out[out["cases"] > 0].reset_index(drop=True)


def eligible_categories(config: Config) -> tuple[str, ...]:
    """Playbook categories that may move to social: complexity <= 2 and not private."""
    return tuple(
        sorted(
            c.id
            for c in load_playbook(config.playbook).categories
            if c.complexity <= 2 and not c.private
        )
    )
