"""The backlog now: what is open and waiting at the data's latest time, how long, what breaches.

Definitions (the README's "Backlog" section):
- now: the latest activity in the data (`max(last_activity_at)`), not the wall clock, so the
  same warehouse always gives the same backlog. A channel whose data ends earlier (an export
  pulled at another time) ages its cases as of its own latest activity, and a note says so.
- open: opened by now, not resolved by now, not an abandoned call, and opened within the
  horizon (`[backlog] horizon_days`, default 7): older unresolved cases are counted apart as
  `stale` (nobody is working them; they are not a queue).
- waiting: open with no first response by now. Age: now minus the start of the first-response
  clock (first customer message, or case creation under `sla.frt_clock = "case_created"`).
- breached: waiting longer than the case's first-response SLA (per channel, brand and team as
  `[sla]` configures); due within the hour: waiting, not breached, and breaching within 60 min.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from etl.settings.config import Config
from scorecard.operations.data_backlog import backlog_as_of, open_cases, stale_count

DIMENSIONS = ("channel", "brand", "team")
DUE_WINDOW_S = 3600.0
COLUMNS = (
    "dimension",
    "segment",
    "open",
    "waiting",
    "median_age_s",
    "p90_age_s",
    "oldest_age_s",
    "breached",
    "due_1h",
)


@dataclass(frozen=True)
class BacklogResult:
    """The backlog at `as_of`: one row per dimension and segment (plus the total), and its cases."""

    as_of: pd.Timestamp | None
    horizon_days: float
    groups: pd.DataFrame  # COLUMNS; dimension "all" is the total
    cases: pd.DataFrame  # interaction_id, channel, brand, team, issue_category, opened_at, age_s,
    #                      sla_s, state (breached | due_1h | waiting | open)
    stale: int = 0  # unresolved cases opened before the horizon
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total(self) -> dict:
        """The all-cases row."""
        rows = self.groups[self.groups["dimension"] == "all"]
        return rows.iloc[0].to_dict() if len(rows) else dict.fromkeys(COLUMNS)

    def cases_in(self, state: str | None = None, **slice_: str) -> pd.DataFrame:
        """The cases behind a number: one state (breached, due_1h, waiting, open) in one slice."""
        out = self.cases
        if state == "waiting":
            out = out[out["state"].isin(("breached", "due_1h", "waiting"))]
        elif state and state != "open":
            out = out[out["state"] == state]
        for dim, value in slice_.items():
            out = out[out[dim] == value]
        return out.sort_values("age_s", ascending=False, kind="stable")

    def to_json(self) -> dict:
        """The JSON of `socialcare backlog --format json`."""

        def clean(v):
            if v is None or (isinstance(v, float) and np.isnan(v)):
                return None
            return v.item() if hasattr(v, "item") else v

        return {
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "horizon_days": self.horizon_days,
            "stale": self.stale,
            "notes": list(self.notes),
            "groups": [{k: clean(v) for k, v in r.items()} for r in self.groups.to_dict("records")],
            "cases": [
                {
                    k: (v.isoformat() if isinstance(v, pd.Timestamp) else clean(v))
                    for k, v in r.items()
                }
                for r in self.cases.to_dict("records")
            ],
        }


def _states(age: np.ndarray, sla: np.ndarray, waiting: np.ndarray) -> np.ndarray:
    return np.where(
        ~waiting,
        "open",
        np.where(age > sla, "breached", np.where(age > sla - DUE_WINDOW_S, "due_1h", "waiting")),
    )


def _group_row(dimension: str, segment: str | None, part: pd.DataFrame) -> dict:
    waiting = part[part["state"] != "open"]
    ages = waiting["age_s"].to_numpy(dtype=float)
    return {
        "dimension": dimension,
        "segment": segment,
        "open": len(part),
        "waiting": len(waiting),
        "median_age_s": float(np.median(ages)) if len(ages) else None,
        "p90_age_s": float(np.quantile(ages, 0.9)) if len(ages) else None,
        "oldest_age_s": float(ages.max()) if len(ages) else None,
        "breached": int((part["state"] == "breached").sum()),
        "due_1h": int((part["state"] == "due_1h").sum()),
    }


def backlog_groups(cases: pd.DataFrame) -> pd.DataFrame:
    """Counts and waiting-age statistics (median, p90 by linear interpolation, oldest) per
    dimension and segment, the total first; a case without a brand or team is left out of that
    dimension's rows (it stays in the total)."""
    rows = [_group_row("all", None, cases)]
    for dim in DIMENSIONS:
        for segment, part in cases.dropna(subset=[dim]).groupby(dim, sort=True):
            rows.append(_group_row(dim, str(segment), part))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def backlog(
    con: duckdb.DuckDBPyConnection, config: Config, horizon_days: float | None = None
) -> BacklogResult:
    """The backlog at the data's latest time."""
    horizon = float(horizon_days if horizon_days is not None else config.backlog_horizon_days)
    now = backlog_as_of(con)
    empty = pd.DataFrame(
        columns=[
            "interaction_id",
            "channel",
            "brand",
            "team",
            "issue_category",
            "opened_at",
            "age_s",
            "sla_s",
            "state",
        ]
    )
    if now is None:
        return BacklogResult(
            None,
            horizon,
            backlog_groups(empty),
            empty,
            notes=("The warehouse holds no cases yet.",),
        )
    cutoff = now - pd.Timedelta(days=horizon)
    frame = open_cases(con, config, now, cutoff)
    stale = stale_count(con, now, cutoff)
    ends = pd.to_datetime(frame["channel_now"], utc=True)
    age = (
        (ends - pd.to_datetime(frame["clock_start_at"], utc=True))
        .dt.total_seconds()
        .to_numpy(dtype=float)
    )
    sla = frame["sla_s"].to_numpy(dtype=float)
    cases = pd.DataFrame(
        {
            "interaction_id": frame["interaction_id"],
            "channel": frame["channel"],
            "brand": frame["brand"],
            "team": frame["team"],
            "issue_category": frame["issue_category"],
            "opened_at": frame["opened_at"],
            "age_s": age,
            "sla_s": sla,
            "state": _states(age, sla, frame["waiting"].to_numpy(dtype=bool)),
        }
    )
    notes = [
        f"{channel} data ends {end:%Y-%m-%d %H:%M} UTC: its cases are aged as of then."
        for channel, end in sorted(set(zip(frame["channel"], ends, strict=True)))
        if now - end > pd.Timedelta(hours=1)
    ]
    if stale:
        notes.append(
            f"{stale} unresolved cases opened more than {horizon:g} days before {now:%Y-%m-%d %H:%M} UTC "
            "are not counted as backlog (set [backlog] horizon_days to include them)."
        )
    return BacklogResult(now, horizon, backlog_groups(cases), cases, stale, tuple(notes))
