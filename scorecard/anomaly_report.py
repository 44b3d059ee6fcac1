"""The results objects of the anomaly scan (scorecard/anomalies.py): one Anomaly per flagged KPI,
day (or rolling week) and slice, and the AnomalyResult with the thin series, the JSON contract,
the table and its footer."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from scorecard.anomaly_scan import (
    DAILY_WEEK_MARGIN,
    MIN_DAYS,
    MIN_N,
    WEEK,
    ThinSlice,
    kind_of,
    weekly_threshold,
)
from scorecard.catalogue import kpi_by_id
from scorecard.rootcause_text import rows_noun, value_text

JSON_KEYS = ("date", "kpi", "slice", "observed", "expected", "z", "direction", "attribution",
             "summary", "window", "n", "examples")
TABLE_COLUMNS = ["date", "window", "kpi", "slice", "observed", "expected", "z", "attribution"]
EXAMPLES = 3  # example customer messages per anomaly
EXAMPLE_CHARS = 280


def slice_text(slice_: dict) -> str:
    """'brand=TelcoCo, channel=social', or 'all' for the whole business."""
    return ", ".join(f"{k}={v}" for k, v in slice_.items()) or "all"


@dataclass(frozen=True)
class Anomaly:
    """One KPI on one day (window 1) or in the rolling week ending that day (window 7), in one
    slice, far from its seasonal baseline."""

    date: str
    kpi: str
    slice: dict
    observed: float
    expected: float
    z: float
    direction: str  # up | down
    attribution: list = field(default_factory=list)  # [{"dimension", "segment", "share"}]
    summary: str = ""
    n: int = 0  # rows behind `observed` (the day's, or the week's)
    window: int = 1  # 1: the day `date`; 7: the rolling week ending on `date`
    examples: list = field(default_factory=list)  # [{"interaction_id", "sent_at", "text"}]

    def to_json(self) -> dict:
        """The JSON object of the CLI contract."""
        return {k: getattr(self, k) for k in JSON_KEYS}


def _days(k: int) -> str:
    return f"{k} day" if k == 1 else f"{k} days"


def thin_reason(t: ThinSlice) -> str:
    """Why a series was not tested, in one sentence."""
    kpi = kpi_by_id(t.kpi)
    noun = rows_noun(kpi)
    if not kpi.is_plain:
        return (f"{_days(t.usable_days)} with n >= {MIN_N} {noun}, and a spread across agents is "
                "tested day by day only.")
    return (f"{_days(t.usable_days)} with n >= {MIN_N} {noun} (day-by-day tests need {MIN_DAYS}) "
            f"and no rolling week with a baseline (median {t.median_n:g} {noun} a day).")


@dataclass(frozen=True)
class AnomalyResult:
    """The anomalies found, the thin series skipped and how much was tested."""

    start: str | None
    end: str | None
    sensitivity: float
    anomalies: tuple[Anomaly, ...]
    thin: tuple[ThinSlice, ...] = ()
    series_tested: int = 0
    days_tested: int = 0
    settle_days: int = 0  # the last days not tested for outcome KPIs (cases still open)

    @property
    def weekly_threshold(self) -> float:
        """The |z| a rolling week must reach (the false-alarm chance of its 7 daily tests)."""
        return weekly_threshold(self.sensitivity)

    def to_json(self) -> dict:
        """{"anomalies": [...], "thin": [...], ...} as the CLI contract says."""
        return {"anomalies": [a.to_json() for a in self.anomalies],
                "thin": [{"kpi": t.kpi, "slice": t.slice, "reason": thin_reason(t),
                          "usable_days": t.usable_days, "median_n": t.median_n}
                         for t in self.thin],
                "from": self.start, "to": self.end,
                "thresholds": {"daily": self.sensitivity,
                               "rolling_week": round(self.weekly_threshold, 2),
                               "rolling_week_of_daily_series": self.sensitivity + DAILY_WEEK_MARGIN}}

    def to_frame(self) -> pd.DataFrame:
        """One row per anomaly: slice as 'dim=value, ...', attribution as 'dim=segment (share)'
        entries, the first of them, and the example messages one per line."""
        rows = [{**a.to_json(), "slice": slice_text(a.slice),
                 "attribution": "; ".join(_entry(x) for x in a.attribution),
                 "first_attribution": _entry(a.attribution[0]) if a.attribution else "",
                 "examples": "\n".join(e["text"] for e in a.examples)} for a in self.anomalies]
        return pd.DataFrame(rows, columns=[*JSON_KEYS, "first_attribution"])

    def table_frame(self) -> pd.DataFrame:
        """to_frame() for reading: values in their units (per day for a count in a rolling
        week), the window, the first attribution; the KPIs of one day, window and slice (one
        event echoed by several KPIs) together, their date, window and slice shown once."""
        frame = self.to_frame()
        if frame.empty:
            return pd.DataFrame(columns=TABLE_COLUMNS)
        out = []
        for _, r in frame.iterrows():
            kpi = kpi_by_id(r["kpi"])
            day = " /day" if r["window"] > 1 and kind_of(kpi) in ("count", "sum") else ""
            out.append({"date": r["date"], "window": "day" if r["window"] == 1 else f"{r['window']} days",
                        "kpi": r["kpi"], "slice": r["slice"],
                        "observed": value_text(kpi, r["observed"]) + day,
                        "expected": value_text(kpi, r["expected"]) + day, "z": f"{r['z']:+.1f}",
                        "attribution": r["first_attribution"]})
        table = pd.DataFrame(out, columns=TABLE_COLUMNS)
        key = table["date"] + "|" + table["window"] + "|" + table["slice"]
        repeat = key.eq(key.shift())
        table.loc[repeat, ["date", "window", "slice"]] = ""
        return table

    def table(self) -> str:
        """table_frame() as left-aligned text, or 'No anomalies.'."""
        frame = self.table_frame()
        if frame.empty:
            return "No anomalies."
        width = {c: max(len(c), int(frame[c].str.len().max())) for c in frame}
        left = {c: f"{{:<{w}}}".format for c, w in width.items()}
        return "\n".join(line.rstrip() for line in
                         frame.to_string(index=False, formatters=left, justify="left").splitlines())

    def footer(self) -> str:
        """What was tested, both thresholds, the settling days and the thin series."""
        lines = [f"{len(self.anomalies)} anomalies in {self.series_tested} series "
                 f"({self.days_tested} series-days tested), {self.start}..{self.end}: a day is "
                 f"flagged at |z| >= {self.sensitivity:g} (--sensitivity), a rolling week "
                 f"({WEEK} days, for series too thin to test day by day) at |z| >= "
                 f"{self.weekly_threshold:.2f} (the false-alarm chance of its {WEEK} daily tests); "
                 f"the rolling weeks of a share also tested day by day at |z| >= "
                 f"{self.sensitivity + DAILY_WEEK_MARGIN:g}."]
        if self.settle_days:
            lines.append(f"The last {_days(self.settle_days)} {'is' if self.settle_days == 1 else 'are'} "
                         "not tested for outcome KPIs: their cases have not settled yet.")
        if self.thin:
            few = ", ".join(f"{t.kpi} [{slice_text(t.slice)}]" for t in self.thin[:5])
            lines.append(f"{len(self.thin)} thin series flagged, not tested (fewer than {MIN_DAYS} "
                         f"days, and no 7-day pool, with n >= {MIN_N}): {few}"
                         f"{' ...' if len(self.thin) > 5 else ''}.")
        return "\n".join(lines)

    def thin_frame(self) -> pd.DataFrame:
        """The series flagged thin instead of tested, with the reason."""
        return pd.DataFrame([{"kpi": t.kpi, "slice": slice_text(t.slice), "usable_days": t.usable_days,
                              "median_n": t.median_n, "reason": thin_reason(t)} for t in self.thin],
                            columns=["kpi", "slice", "usable_days", "median_n", "reason"])

    def summary(self) -> str:
        """One line per anomaly, then the footer."""
        return "\n".join([f"{a.date} z={a.z:+.1f} {a.summary}" for a in self.anomalies]
                         + [self.footer()])


def _entry(x: dict) -> str:
    return f"{x['dimension']}={x['segment']} ({100 * x['share']:.0f} %)"


def example_records(frame: pd.DataFrame, limit: int = EXAMPLES) -> list[dict]:
    """Example messages as plain records (text on one line, at most EXAMPLE_CHARS characters)."""
    out = []
    for r in frame.head(limit).to_dict("records"):
        text = " ".join(str(r["text"] or "").split())
        text = text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS - 1].rstrip() + "…"
        sent = r["sent_at"]
        out.append({"interaction_id": str(r["interaction_id"]),
                    "sent_at": sent.isoformat() if hasattr(sent, "isoformat") else str(sent),
                    "text": text})
    return out
