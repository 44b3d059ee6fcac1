"""Tables and text for people in a terminal: what `socialcare … --format table` prints.

Durations read as `2 h 14 min`, shares as `42 %`, money with its currency, counts rounded with
thousands separators, times in the display timezone to the minute; a missing value is blank (or
`n/a` with its reason where the reason matters), never `NaN`; every line fits 100 columns (the
widest text column is cut with `…`, prose is wrapped). `--format json|csv` print the results'
own machine forms and do not come through here.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import pandas as pd

from scorecard.kpis.catalogue import kpi_by_id
from scorecard.rootcause.change_text import duration_text

WIDTH = 100
GAP = "  "


def missing(value: Any) -> bool:
    """None, NaN, NaT and pandas' NA: a value that is not there."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def count_text(value: Any) -> str:
    """'20,000'; blank when missing."""
    return "" if missing(value) else f"{float(value):,.0f}"


def share_text(value: Any, digits: int = 0) -> str:
    """0.4237 -> '42 %'; blank when missing."""
    return "" if missing(value) else f"{100 * float(value):.{digits}f} %"


def seconds_text(value: Any) -> str:
    """A duration in seconds as '2 h 14 min'; blank when missing."""
    return "" if missing(value) else duration_text(float(value))


def money_text(value: Any, currency: str = "") -> str:
    """'1,009.70 USD'; blank when missing."""
    return "" if missing(value) else f"{float(value):,.2f} {currency}".rstrip()


def yes_no(value: Any) -> str:
    return "" if missing(value) else ("yes" if bool(value) else "no")


def local_time(value: Any, timezone: str) -> str:
    """A timestamp in the display timezone to the minute ('2024-03-30 23:32'); blank when missing."""
    if missing(value):
        return ""
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return ts.tz_convert(timezone).strftime("%Y-%m-%d %H:%M")


def kpi_value_text(unit: str, value: Any, currency: str = "") -> str:
    """A KPI value in its unit: '42 %', '2 h 14 min', '20,000', '3.00 USD', '-19', '3.29'."""
    if missing(value):
        return ""
    v = float(value)
    if unit == "share":
        return f"{100 * v:.0f} %"
    if unit == "seconds":
        return duration_text(v)
    if unit == "count":
        return f"{v:,.0f}"
    if unit == "currency":
        return money_text(v, currency)
    if unit == "points":
        return f"{v:.0f}"
    return f"{v:.2f}"


def kpi_change_text(unit: str, delta: Any, currency: str = "") -> str:
    """A change against the previous period in the KPI's unit: '+3 pts', '-14 min', '+120'."""
    if missing(delta):
        return ""
    d = float(delta)
    if unit == "share":
        text = f"{100 * d:+.0f} pts"
    elif unit == "seconds":
        text = duration_text(d, signed=True)
    elif unit == "count":
        text = f"{d:+,.0f}"
    elif unit == "currency":
        text = f"{d:+,.2f}"
    elif unit == "points":
        text = f"{d:+.0f}"
    else:
        text = f"{d:+.2f}"
    return text[1:] if re.fullmatch(r"[+-]0(\.0+)?( .*)?", text.replace(",", "")) else text


@dataclass(frozen=True)
class Column:
    """One column of a terminal table: the row key, its header, how a value reads, alignment."""

    key: str
    header: str
    text: Callable[[Any], str] = lambda v: "" if missing(v) else str(v)
    right: bool = False
    shrink: int = 0  # may be cut with … to fit the width; the highest gives up room first
    optional: bool = False  # left out when blank in every row
    min_width: int = 8


def table_text(
    rows: Sequence[dict], columns: Sequence[Column], width: int = WIDTH, empty: str = "(no rows)"
) -> str:
    """Rows as an aligned plain-text table no wider than `width`: the shrinkable columns give up
    room, widest first, down to 8 characters each, their cells cut with '…'."""
    if not rows:
        return empty
    cells = [[c.text(r.get(c.key)) for c in columns] for r in rows]
    keep = [i for i, c in enumerate(columns) if not c.optional or any(row[i] for row in cells)]
    columns = [columns[i] for i in keep]
    cells = [[row[i] for i in keep] for row in cells]
    widths = [max([len(c.header)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    excess = sum(widths) + len(GAP) * (len(columns) - 1) - width
    while excess > 0:
        candidates = [i for i, c in enumerate(columns) if c.shrink and widths[i] > c.min_width]
        if not candidates:
            break
        i = max(candidates, key=lambda j: (columns[j].shrink, widths[j]))
        cut = min(excess, widths[i] - columns[i].min_width)
        widths[i] -= cut
        excess -= cut

    def fit(text: str, i: int) -> str:
        text = text if len(text) <= widths[i] else text[: widths[i] - 1] + "…"
        return text.rjust(widths[i]) if columns[i].right else text.ljust(widths[i])

    lines = [GAP.join(fit(c.header, i) for i, c in enumerate(columns))]
    lines += [GAP.join(fit(cell, i) for i, cell in enumerate(row)) for row in cells]
    lines = [line.rstrip() for line in lines]
    return "\n".join(line if len(line) <= width else line[: width - 1] + "…" for line in lines)


def wrapped(text: str, width: int = WIDTH) -> str:
    """Prose wrapped to `width`, each line keeping its own indent (and 2 more when it wraps)."""
    out: list[str] = []
    for line in text.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        if len(line) <= width:
            out.append(line)
            continue
        out += textwrap.wrap(
            line.strip(),
            width,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_on_hyphens=False,
        )
    return "\n".join(out)


# --- the tables of the commands --------------------------------------------------------------


def scorecard_table(rows: Sequence[dict], by: Sequence[str]) -> str:
    """`socialcare scorecard --format table`: one line per period, slice and KPI, its value and
    target in the KPI's unit, status, n and change against the previous period. A KPI without a
    direction (volume, total cost) has no status; every other n/a is explained under the table."""
    periods = {r.get("period") for r in rows}
    shown: list[dict] = []
    reasons: dict[str, list[str]] = {}
    for r in rows:
        kpi = kpi_by_id(r["kpi"])
        currency = r.get("unit", "") if kpi.unit == "currency" else ""
        status = "" if kpi.direction == "none" else r.get("status") or ""
        if status == "n/a":
            where = ", ".join(
                [
                    *([str(r["period"])] if periods != {"total"} else []),
                    *(f"{d} {r.get(d)}" for d in by),
                ]
            )
            why = r.get("reason") or ("no target" if missing(r.get("target")) else "no value")
            reasons.setdefault(f"{kpi.label}: {why}", []).append(where)
        shown.append(
            {
                **r,
                "label": kpi.label,
                "status": status,
                "value_text": kpi_value_text(kpi.unit, r.get("value"), currency),
                "target_text": kpi_value_text(kpi.unit, r.get("target"), currency),
                "change": kpi_change_text(kpi.unit, r.get("delta"), currency),
            }
        )
    columns = [Column("period", "period")] if periods != {"total"} else []
    columns += [Column(d, d, shrink=2) for d in by]
    columns += [
        Column("label", "KPI", shrink=1, min_width=18),
        Column("value_text", "value", right=True),
        Column("target_text", "target", right=True),
        Column("status", "status"),
        Column("n", "n", count_text, right=True),
        Column("change", "change", right=True, optional=True),
    ]
    lines = [table_text(shown, columns)]
    if reasons:
        lines.append("n/a:")
        for why, where in reasons.items():
            slices = [w for w in where if w]
            lines.append(wrapped(f"  {why}" + (f" ({'; '.join(slices)})" if slices else "")))
    return "\n".join(lines)


def _file_name(path: Any) -> str:
    return "" if missing(path) else PurePath(str(path)).name


def loads_table(loads: pd.DataFrame, timezone: str) -> str:
    """Recent loads: when, what kind, which file, outcome and row counts, how long it took."""
    rows = []
    for r in loads.to_dict("records"):
        took = (
            (pd.Timestamp(r["finished_at"]) - pd.Timestamp(r["started_at"])).total_seconds()
            if not missing(r.get("finished_at")) and not missing(r.get("started_at"))
            else None
        )
        rows.append({**r, "file": _file_name(r.get("path")), "took": took})
    return table_text(
        rows,
        [
            Column("finished_at", "finished", lambda v: local_time(v, timezone)),
            Column("kind", "kind"),
            Column("file", "file", shrink=1),
            Column("status", "status"),
            Column("rows_read", "read", count_text, right=True),
            Column("rows_loaded", "loaded", count_text, right=True),
            Column("rows_quarantined", "quarantined", count_text, right=True),
            Column("took", "took", seconds_text, right=True),
        ],
        empty="(no loads yet)",
    )


def quarantine_table(quarantine: pd.DataFrame) -> str:
    return table_text(
        quarantine.to_dict("records"),
        [
            Column("reason", "reason", shrink=1),
            Column("rows", "rows", count_text, right=True),
            Column("loads", "loads", count_text, right=True),
        ],
        empty="(none)",
    )


def freshness_table(freshness: pd.DataFrame, timezone: str, holds: str = "cases") -> str:
    """Freshness per source: rows held, first and newest record, how old the newest is, loads."""
    first, last = (
        ("first_case", "last_case") if holds == "cases" else ("first_response", "last_response")
    )
    return table_text(
        freshness.to_dict("records"),
        [
            Column("source", "source"),
            Column(holds, holds, count_text, right=True),
            Column(first, "first", lambda v: local_time(v, timezone)),
            Column(last, "newest", lambda v: local_time(v, timezone)),
            Column(
                "days_since_last",
                "newest is",
                lambda v: "" if missing(v) else f"{duration_text(float(v) * 86400)} old",
                right=True,
            ),
            Column("loads", "loads", count_text, right=True),
            Column("last_load_at", "last load", lambda v: local_time(v, timezone)),
        ],
        empty="(no sources)",
    )


def customer_table(cases: pd.DataFrame, timezone: str) -> str:
    """One customer's cases in time order: when, where, what about, how it ended, how fast the
    first reply came, survey answers and the customer's sentiment from first to last message
    (the resolution time is in `--format json`)."""
    rows = []
    for r in cases.to_dict("records"):
        path = r.get("sentiment_path")
        path = (
            []
            if path is None or (not isinstance(path, (list, tuple)) and missing(path))
            else list(path)
        )
        path = [float(s) for s in path if not missing(s)]
        rows.append(
            {
                **r,
                "sentiment": (
                    f"{path[0]:+.2f}→{path[-1]:+.2f}"
                    if len(path) > 1
                    else f"{path[0]:+.2f}"
                    if path
                    else ""
                ),
            }
        )
    brands = {r.get("brand") for r in rows}
    return table_text(
        rows,
        [
            Column("interaction_id", "case"),
            Column("opened_at", "opened", lambda v: local_time(v, timezone)),
            Column("channel", "channel"),
            *([Column("brand", "brand", shrink=2)] if len(brands) > 1 else []),
            Column("issue_category", "category", shrink=1, min_width=5),
            Column("status", "status"),
            Column("frt_s", "first reply", seconds_text, right=True),
            Column("csat", "CSAT", count_text, right=True, optional=True),
            Column("nps", "NPS", count_text, right=True, optional=True),
            Column("sentiment", "sentiment", optional=True),
        ],
    )


def opportunities_table(queue: pd.DataFrame, timezone: str) -> str:
    """The opportunity queue: case, when, brand, kind, outcome, first response, the words;
    'names us' only when some customer did not name the brand."""
    unnamed = bool(len(queue)) and not queue["brand_named"].fillna(False).astype(bool).all()
    return table_text(
        queue.to_dict("records"),
        [
            Column("interaction_id", "case"),
            Column("opened_at", "opened", lambda v: local_time(v, timezone)),
            Column("brand", "brand", shrink=2),
            Column("kinds", "what", lambda v: "" if missing(v) else str(v).replace("_", " ")),
            *([Column("brand_named", "names us", yes_no)] if unnamed else []),
            Column("outcome", "outcome"),
            Column("frt_s", "first reply", seconds_text, right=True),
            Column(
                "text",
                "customer wrote",
                lambda v: "" if missing(v) else " ".join(str(v).split()),
                shrink=3,
            ),
        ],
        empty="(no opportunities)",
    )


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def coverage_tables(grid: pd.DataFrame, by_language: pd.DataFrame) -> str:
    """Per weekday: cases, how many arrived outside staffed hours, their median first response
    against those inside; then cases by hour of week (display time) and the split by language."""
    rows = []
    for day in DAYS:
        d = grid[grid["day"] == day]
        rows.append(
            {
                "day": day,
                "cases": int(d["cases"].sum()),
                "outside": int(d["outside"].sum()),
                "share": d["outside"].sum() / d["cases"].sum() if d["cases"].sum() else None,
                "staffed": _staffed_hours(d),
            }
        )
    per_day = table_text(
        rows,
        [
            Column("day", "day"),
            Column("cases", "cases", count_text, right=True),
            Column("outside", "outside staffed hours", count_text, right=True),
            Column("share", "share outside", share_text, right=True),
            Column("staffed", "staffed (hours)"),
        ],
    )
    head = "day " + "".join(f"{h:>4}" for h in range(24))
    lines = [head] + [
        day
        + " "
        + "".join(
            f"{count_text(v) if v else '.':>4}"
            for v in grid[grid["day"] == day].sort_values("hour")["cases"]
        )
        for day in DAYS
        if (grid["day"] == day).any()
    ]
    lang = table_text(
        by_language.to_dict("records"),
        [
            Column("language", "language"),
            Column("cases", "cases", count_text, right=True),
            Column("outside", "outside", count_text, right=True),
            Column("outside_share", "share outside", share_text, right=True),
            Column("wait_outside_median_s", "median wait outside", seconds_text, right=True),
        ],
    )
    return "\n".join(
        [per_day, "", "cases by hour of arrival (display time; . = none):", *lines, "", lang]
    )


def _staffed_hours(day: pd.DataFrame) -> str:
    """The staffed hours of one weekday as runs, '08-20' (closed: '')."""
    hours = sorted(int(h) for h in day.loc[day["staffed"], "hour"])
    runs: list[str] = []
    for h in hours:
        if runs and int(runs[-1][-2:]) == h:
            runs[-1] = f"{runs[-1][:2]}-{h + 1:02d}"
        else:
            runs.append(f"{h:02d}-{h + 1:02d}")
    return ", ".join(runs) or "closed"
