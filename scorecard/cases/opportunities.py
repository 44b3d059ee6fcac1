"""The opportunity queue: customer messages naming a competitor, showing purchase intent or
reporting a stock-out ([opportunities], flagged at load), and whether the brand caught them.

A case is captured when its first response came within its first-response SLA (the slice's own
[sla] rule, on the configured clock); missed when it came later, or never and the SLA has run
out at the data's latest activity; pending otherwise. The capture rate is captured / (captured +
missed): the KPI opportunity_capture_rate, computed here row by row for the queue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from etl.settings.config import Config
from scorecard.cases.data_opportunities import opportunity_rows

COLUMNS = [
    "interaction_id",
    "opened_at",
    "brand",
    "channel",
    "kinds",
    "brand_named",
    "text",
    "answered",
    "frt_s",
    "sla_s",
    "outcome",
    "language",
    "customer_id",
]


@dataclass(frozen=True)
class OpportunityQueue:
    """The queue (newest first) and its counts."""

    frame: pd.DataFrame
    captured: int
    missed: int
    pending: int

    @property
    def n(self) -> int:
        return len(self.frame)

    @property
    def capture_rate(self) -> float | None:
        decided = self.captured + self.missed
        return self.captured / decided if decided else None

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def summary(self) -> str:
        if not self.n:
            return (
                "No opportunities in this period: no customer message matched the "
                "[opportunities] phrases (competitors, purchase intent, stock-outs)."
            )
        rate = self.capture_rate
        kinds = self.frame["kinds"].str.split(",").explode().value_counts()
        parts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in kinds.items())
        text = (
            f"{self.n:,} {'opportunity' if self.n == 1 else 'opportunities'} ({parts}); {self.captured:,} answered within SLA, "
            f"{self.missed:,} missed, {self.pending:,} still inside the SLA."
        )
        if rate is not None:
            text += f" Capture rate {rate:.0%}."
        return text

    def to_json(self) -> dict[str, Any]:
        rows = self.frame.astype(object).where(self.frame.notna(), None).to_dict("records")
        return {
            "n": self.n,
            "captured": self.captured,
            "missed": self.missed,
            "pending": self.pending,
            "capture_rate": self.capture_rate,
            "rows": rows,
        }


def opportunity_queue(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    start: str | None,
    end: str | None,
    filters: Mapping[str, Sequence[str]] | Sequence[tuple],
    kinds: Sequence[str] = (),
) -> OpportunityQueue:
    """The opportunity cases opened on the local dates start..end matching the filters (and,
    when given, showing one of these kinds)."""
    frame = opportunity_rows(con, config, start, end, dict(filters), kinds)
    frame = frame.drop(columns=["frt_s"]).rename(columns={"frt": "frt_s"})
    counts = frame["outcome"].value_counts()
    return OpportunityQueue(
        frame[COLUMNS].reset_index(drop=True),
        int(counts.get("captured", 0)),
        int(counts.get("missed", 0)),
        int(counts.get("pending", 0)),
    )
