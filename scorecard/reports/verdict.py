"""The lift verdict in numbers and one honest sentence (the business case's first line and the
top of /economics): an adjusted difference whose 95 % CI includes zero is "not shown to differ"."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

CONTROLS = "issue category, resolution and first-response speed"


def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v) else float(v)


@dataclass(frozen=True)
class LiftVerdict:
    """Social vs one channel: raw and adjusted recommend-rate differences (points) with CIs."""

    other: str
    raw: float | None
    raw_low: float | None
    raw_high: float | None
    n_social: int
    n_other: int
    adjusted: float | None
    adj_low: float | None
    adj_high: float | None
    n_adjusted: int
    note: str

    @property
    def shown(self) -> str:
        """'better', 'worse' or 'not shown to differ' (by the adjusted CI, else the raw one)."""
        lo, hi = (
            (self.adj_low, self.adj_high)
            if self.adjusted is not None
            else (self.raw_low, self.raw_high)
        )
        if lo is None or hi is None:
            return "not estimated"
        return "better" if lo > 0 else "worse" if hi < 0 else "not shown to differ"

    def sentence(self) -> str:
        """One sentence a COO can read: raw, adjusted, and what that means."""
        if self.raw is None:
            return f"There are no would-recommend answers on social and {self.other} to compare."
        raw = f"{self.raw:+.1f} pts" + (
            f" (95 % CI {self.raw_low:+.1f} to {self.raw_high:+.1f})"
            if self.raw_low is not None
            else " (too few answers for a CI)"
        )
        head = f"Social customers would recommend {raw} vs {self.other} before adjustment"
        if self.adjusted is None:
            return f"{head}; the adjusted comparison could not be estimated ({self.note or 'too few answers'})."
        adj = f"{self.adjusted:+.1f} pts (95 % CI {self.adj_low:+.1f} to {self.adj_high:+.1f})"
        if self.shown == "not shown to differ":
            return (
                f"{head}, but only {adj} once {CONTROLS} are taken into account: the interval "
                f"includes zero, so social is not shown to differ from {self.other}."
            )
        return (
            f"{head}, and {adj} once {CONTROLS} are taken into account: social does "
            f"{self.shown} than {self.other}."
        )


def lift_verdict(lift: pd.DataFrame, adjusted: pd.DataFrame, other: str = "phone") -> LiftVerdict:
    """The verdict of social vs `other` from the lift report's raw and adjusted tables."""
    comparison = f"social vs {other}"
    raw = lift[(lift["comparison"] == comparison) & (lift["metric"] == "recommend_rate")]
    adj = adjusted[adjusted["comparison"] == comparison]
    r = raw.iloc[0] if len(raw) else None
    a = adj.iloc[0] if len(adj) else None

    def pts(row, col):
        v = _num(row[col]) if row is not None else None
        return None if v is None else 100 * v

    return LiftVerdict(
        other,
        pts(r, "diff"),
        pts(r, "ci_low"),
        pts(r, "ci_high"),
        int(r["n_social"]) if r is not None else 0,
        int(r["n_other"]) if r is not None else 0,
        pts(a, "ame"),
        pts(a, "ame_ci_low"),
        pts(a, "ame_ci_high"),
        int(a["n"]) if a is not None else 0,
        str(a["note"]) if a is not None else "",
    )
